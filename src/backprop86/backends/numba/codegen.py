"""The numba backend's training kernel, as Python source: one loop over networks and sweeps
(``SKELETON``) around a forward pass, a backward pass and a gradient.

A network of at most ``SMALL_NETWORK`` parameters and ``WRITTEN_PROJECTIONS`` projections,
trained on at most ``SHORT_ROWS`` patterns, gets passes written out for its shapes: every size and offset a constant, each
unit's sum over its sources spelled out, no index arrays. The general passes of
:mod:`.kernel` spend most of such a network's sweep walking index arrays and
setting up loops of 4 to 64 iterations; written out, XOR 2-2-1 and parity 4-4-1 train
much faster (benchmarks/README.md). A written-out pass does the same operations in
the same order as the general one, so the two give the same bits (a test checks this).
Other networks use the general passes: their loops are long enough, and the written-out
code (with its compile time) would grow with the number of weights.

A kernel's source is a file in a cache folder, named by a hash of its text, so that numba's
on-disk cache works for it: each network shape compiles once per machine (5-10 s). The
text includes a hash of kernel.py and vectors.py, so that a change to either never meets a
stale compiled kernel.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from typing import Any, NamedTuple

SMALL_NETWORK = 200  # parameters; larger networks use the general passes
# Projections: each is written out on its own, so past this many the source, and its
# compile time, grow too large (T-C's 72 tied patch projections took minutes).
WRITTEN_PROJECTIONS = 24
# Patterns; over more, the general passes' loops are long enough that walking the index
# arrays costs little, and a kernel's compile time (5-10 s) is not repaid in a default run.
SHORT_ROWS = 64
ROWS_PER_PASS = 4  # units whose net inputs are formed in one pass over the patterns
SPELLED_OUT = 256  # weights x patterns up to which each weight's sum is written out
# Over rows of at least this many patterns, the sums of a sweep (weight and bias
# gradients, the error) are explicit vector code (kernel.add_outer_sums, set_row_totals,
# output_errors, from .vectors) and the kernel asks for 512-bit vectors; over
# shorter ones they are the inline kernel.dot4 and total (XOR's 4 patterns: the calls and
# their vector set-up would cost more). Every one sums in a stated order. Here, not in
# kernel.py, because reading it must not load numba.
LONG_ROWS = 16

# Where kernel sources go: $BACKPROP86_KERNEL_CACHE, else the user's cache folder.
CACHE_VARIABLE = "BACKPROP86_KERNEL_CACHE"



class KernelArguments(NamedTuple):
    """The arguments of a training kernel, in the order of its parameters (its signature
    in ``SKELETON`` is written from these names); shapes in ``SKELETON``'s docstring."""

    theta: Any
    velocity: Any
    first: Any
    done: Any
    stopped: Any
    final_error: Any
    final_activity: Any
    rows: Any
    trace: Any
    sweep_from: Any
    sweep_to: Any
    budget: Any
    template: Any
    targets: Any
    mask: Any
    n_train: Any
    net: Any
    tanh: Any
    mean: Any
    margin: Any
    on_above: Any
    off_below: Any
    to_bound: Any
    eps: Any
    alpha: Any
    decays: Any
    decay_factor: Any
    kinds: Any
    values: Any
    stop_index: Any
    taken: Any
    distinct: Any
    compact_template: Any


HEADER = '''"""A training kernel of backprop86's numba backend, written by its codegen for
{what}. Do not edit: it is rewritten under a new name when its source changes."""
# kernel.py and vectors.py: {helpers}

import numpy as np

from backprop86.backends.numba.kernel import (
    _inline, _jit, activate, add_outer_sums, change_weights, dot4, input_activity, misses,
    note_criteria, output_errors, residuals, set_row_totals, slope, take_next, total,
    wide_vectors)
'''

GENERAL_PASSES = "from backprop86.backends.numba.kernel import backward, forward, gradient\n"

SKELETON = '''

@_jit
def kernel({parameters}):
    """Sweeps ``sweep_from`` .. ``sweep_to - 1`` of every network not yet ``done``.

    Networks are taken one at a time from the count ``taken`` (int64 (1,), from 0), which
    several threads running this kernel on the same arrays share: each network is trained
    by one thread, whichever takes it, and its bits do not depend on which. ``distinct``
    and ``compact_template``: the groups computed once per distinct input pattern
    (program.distinct_inputs).

    Per network i and sweep s: forward pass, error (eq. 3) and its output derivative, the
    criteria (``first[i, m]`` gets s the first time criterion m holds), then, unless the
    network stops here (its stop criterion met, or s == budget), the backward pass, the
    gradient and one weight change (eq. 9). ``trace[i, s - sweep_from]`` gets the error. A
    network that stops records ``stopped[i] = s``, its error and its activities (in
    ``final_activity[rows[i]]``), and is ``done``.

    Shapes: theta, velocity (n, W); first (n, M); template (U P,) with the input rows
    filled (unit u's patterns at u P); targets (n_out P,); mask (n, P) 1.0 for training
    cases; trace (n, S); final_activity (k, P, U - U_in): the records' activities of the
    non-input units, of which network i's are row rows[i]; eps, alpha, decays (budget +
    1,); net: the index arrays of a program.Program.
    """
    {vectors}offset, size, compute = net[0], net[1], net[2]
    n_cases = mask.shape[1]
    out = compute[compute.shape[0] - 1]
    o0, n_out = offset[out] * n_cases, size[out]
    u_in = offset[compute[0]]  # the first non-input unit: input groups come first
    need_gap = (kinds == 3).any()
    need_side = (kinds == 2).any()
    # One set of work arrays for every network: a sweep writes each row it reads before
    # it reads it (the input rows of act are the patterns, never written), so nothing of
    # one network reaches the next.
    act = template.copy()
    compact = compact_template.copy()
    delta = np.zeros(template.shape[0])
    grad = np.zeros(theta.shape[1])
    out_mask = np.empty(n_out * n_cases)  # the case mask of every output row
    active = input_activity(act, net, n_cases)  # where the input patterns are 0
    # A network's weights and changes while it trains: copies, written back when it is
    # done with, so that threads on neighbouring networks never write one cache line.
    w = np.empty(theta.shape[1])
    v = np.empty(theta.shape[1])
    for _ in range(theta.shape[0]):
        i = take_next(taken)
        if i >= theta.shape[0]:
            break
        if done[i]:
            continue
        w[:] = theta[i]
        v[:] = velocity[i]
        m = mask[i]
        error_scale = 1.0 / (n_train[i] * n_out) if mean else 1.0
{per_network}        for s in range(sweep_from, sweep_to):
            forward(w, act, tanh, net, n_cases, active, distinct, compact)
            {output}
            error = 0.5 * error_sum / error_scale
            trace[i, s - sweep_from] = error
            note_criteria(first, i, s, error, all_correct, max_abs, kinds, values)
            if (stop_index >= 0 and first[i, stop_index] >= 0) or s == budget:
                done[i] = True
                stopped[i] = s
                final_error[i] = error
                for u in range(final_activity.shape[2]):
                    for p in range(n_cases):
                        final_activity[rows[i], p, u] = act[(u_in + u) * n_cases + p]
                break
            backward(w, act, delta, tanh, net, n_cases)
            gradient(act, delta, grad, net, n_cases, active)
            change_weights(w, v, grad, eps[s], alpha[s], decays[s], decay_factor)
        theta[i] = w
        velocity[i] = v
'''

# The error, its derivative times the slope (delta's output rows), and the criteria's
# misses: over long rows one pass of vector code, with the case mask laid out as the rows
# are; over short ones inline functions, the squares in dot4's order.
LONG_OUTPUT = dict(per_network="""\
        for j in range(n_out):
            out_mask[j * n_cases:(j + 1) * n_cases] = m
""", output="""\
error_sum, max_abs, all_correct = output_errors(
                act, targets, out_mask, delta, o0, n_out * n_cases, margin, on_above,
                off_below, to_bound, error_scale, tanh)""")
SHORT_OUTPUT = dict(per_network="", output="""\
residuals(act, targets, m, delta, o0, n_out, n_cases, margin, on_above,
                      off_below, to_bound, error_scale)
            error_sum = dot4(delta, o0, delta, o0, n_out * n_cases)
            max_abs, all_correct = 0.0, True
            if need_gap or need_side:
                max_abs, all_correct = misses(act, targets, m, o0, n_out, n_cases)
            slope(delta, act, o0, n_out * n_cases, tanh)""")


def is_small(program, n_cases: int) -> bool:
    """Whether a network gets passes written out for its shapes."""
    return (program.n_params <= SMALL_NETWORK and n_cases <= SHORT_ROWS
            and len(program.source) <= WRITTEN_PROJECTIONS)


def source(program, n_cases: int) -> str:
    """The kernel module's text for ``program`` (a :class:`.program.Program`) and
    ``n_cases`` patterns."""
    if is_small(program, n_cases):
        what = f"one network shape: groups {program.size.tolist()}, {n_cases} patterns"
        passes = _written_out(program, n_cases)
    else:
        what = "any network, walking its index arrays"
        passes = GENERAL_PASSES
    if n_cases >= LONG_ROWS:
        output, vectors = LONG_OUTPUT, "wide_vectors()\n    "
    else:  # 512-bit vectors would slow XOR's rows of 4 (benchmarks/README.md)
        output, vectors = SHORT_OUTPUT, ""
    parameters = textwrap.fill(", ".join(KernelArguments._fields), width=80,
                               subsequent_indent=" " * 11)
    return (HEADER.format(what=what, helpers=_kernel_hash()) + "\n" + passes
            + SKELETON.format(parameters=parameters, vectors=vectors, **output))


@functools.cache
def _kernel_hash() -> str:
    """A hash of the compiled pieces' sources: numba's cache of a kernel knows its own file,
    not the functions it calls from others."""
    here = Path(__file__).parent
    text = b"".join((here / name).read_bytes() for name in ("kernel.py", "vectors.py"))
    return hashlib.sha256(text).hexdigest()[:16]


def _blocks(n: int, size: int) -> list[range]:
    return [range(a, min(n, a + size)) for a in range(0, n, size)]


def _written_out(program, n_cases: int) -> str:
    """The forward pass, backward pass and gradient of ``program`` with constant shapes.

    Activities and deltas are read as flat (U P,) views: unit u's patterns are
    ``u * P .. u * P + P - 1``. Each pass does what the general pass of kernel.py does, in
    the same order: a unit's net input is its bias plus its sources in projection order.
    Every group is computed for every case (``distinct`` and ``compact`` are not read:
    program.distinct_inputs leaves small networks alone).
    """
    P = n_cases
    off, size = program.offset.tolist(), program.size.tolist()
    compute, bias = program.compute.tolist(), program.bias.tolist()
    into = [[(int(program.source[q]), int(program.weight[q]))
             for q in range(program.incoming[c], program.incoming[c + 1])]
            for c in range(len(compute))]
    out_of = [[(int(program.out_target[q]), int(program.out_weight[q]))
               for q in range(program.outgoing[c], program.outgoing[c + 1])]
              for c in range(len(compute))]
    tanh = program.tanh

    def block_sums(block, first_term, links, weight_index, var, array):
        """The lines that load the weights of ``block``'s units and, inside the loop over
        patterns, the rows they read; and each unit's sum: ``first_term``, then weight
        times row over ``links`` (group, weight offset) in order."""
        loads, sums = [], {}
        for j in block:
            terms = [first_term(j)]
            for other, base in links:
                for k in range(size[other]):
                    x = weight_index(base, j, k, other)
                    loads.append(f"    w{x} = w[{x}]")
                    terms.append(f"w{x} * {var}{off[other] + k}")
            sums[j] = " + ".join(terms)
        rows = [f"        {var}{off[o] + k} = {array}[{(off[o] + k) * P} + p]"
                for o, _ in links for k in range(size[o])]
        return loads + [f"    for p in range({P}):"] + rows, sums

    fwd = ["@_inline", "def forward(w, a, tanh, net, n_cases, active, distinct, compact):"]
    for c, g in enumerate(compute):
        for block in _blocks(size[g], ROWS_PER_PASS):
            lines, sums = block_sums(
                block, lambda j: f"w[{bias[g] + j}]" if bias[g] >= 0 else "0.0", into[c],
                lambda base, j, k, src: base + j * size[src] + k, "x", "a")
            fwd += lines + [f"        a[{(off[g] + j) * P} + p] = {sums[j]}" for j in block]
        fwd.append(f"    activate(a, {off[g] * P}, {size[g] * P}, {tanh})")

    bwd = ["@_inline", "def backward(w, a, d, tanh, net, n_cases):"]
    if len(compute) == 1:  # only the output: its deltas are the kernel's output_errors'
        bwd.append("    pass")
    fall = "(1.0 - y * y)" if tanh else "(y * (1.0 - y))"
    for c in range(len(compute) - 2, -1, -1):
        g = compute[c]
        for block in _blocks(size[g], ROWS_PER_PASS):
            lines, sums = block_sums(block, lambda j: "0.0", out_of[c],
                                     lambda base, j, k, tgt: base + k * size[g] + j, "e", "d")
            bwd += lines
            for j in block:
                bwd.append(f"        y = a[{(off[g] + j) * P} + p]")
                bwd.append(f"        d[{(off[g] + j) * P} + p] = ({sums[j]}) * {fall}")

    grd = ["@_inline", "def gradient(a, d, grad, net, n_cases, active):", "    grad[:] = 0.0"]
    # The tiniest networks (XOR: 9 weights of 4 patterns) get each sum spelled out in
    # dot4's order; the others one loop per projection, not a line per weight: each call
    # of an inline function costs numba about as much compile time as the rest of a kernel.
    spelled_out = program.n_params * P <= SPELLED_OUT
    for c, g in enumerate(compute):
        for src, base in into[c]:
            if spelled_out:
                grd += [f"    grad[{base + j * size[src] + k}] += "
                        + _lanes("d", (off[g] + j) * P, "a", (off[src] + k) * P, P)
                        for j in range(size[g]) for k in range(size[src])]
            elif P >= LONG_ROWS:
                grd.append("    " + _call("add_outer_sums", "grad", base, size[src], "d",
                                          off[g] * P, size[g], "a", off[src] * P, size[src],
                                          P, "active", -1))
            else:
                grd += [f"    for j in range({size[g]}):",
                        f"        for k in range({size[src]}):",
                        f"            grad[{base} + j * {size[src]} + k] += dot4("
                        f"d, ({off[g]} + j) * {P}, a, ({off[src]} + k) * {P}, {P})"]
        if bias[g] >= 0 and spelled_out:
            grd += [f"    grad[{bias[g] + j}] = " + _lanes("d", (off[g] + j) * P, None, 0, P)
                    for j in range(size[g])]
        elif bias[g] >= 0 and P >= LONG_ROWS:
            grd.append("    " + _call("set_row_totals", "grad", bias[g], "d", off[g] * P,
                                      size[g], P))
        elif bias[g] >= 0:
            grd += [f"    for j in range({size[g]}):",
                    f"        grad[{bias[g]} + j] = total(d, ({off[g]} + j) * {P}, {P})"]
    return "\n".join(["", *fwd, "", "", *bwd, "", "", *grd]) + "\n"


def _call(function: str, *args: str | int) -> str:
    """A call of a compiled function of kernel.py, its integers as ``np.int64``: numba
    would compile a function of its own for each set of literal arguments (more compile
    time for nothing: the vector code's order does not depend on them)."""
    rendered = [f"np.int64({a})" if isinstance(a, int) else a for a in args]
    return f"{function}({', '.join(rendered)})"


def _lanes(x: str, i: int, y: str | None, j: int, n: int) -> str:
    """sum_p x[i + p] y[j + p] over p < n (x[i + p] alone if ``y`` is None) as an
    expression, in the order of kernel.dot4 (and kernel.total): four partial sums over
    p mod 4, the rest into the first."""
    def term(p):
        return f"{x}[{i + p}] * {y}[{j + p}]" if y else f"{x}[{i + p}]"

    m = n - n % 4
    lanes = [[term(p) for p in range(lane, m, 4)] for lane in range(4)]
    lanes[0] += [term(p) for p in range(m, n)]
    s0, s1, s2, s3 = (" + ".join(["0.0", *terms]) for terms in lanes)
    return f"(({s0}) + ({s1})) + (({s2}) + ({s3}))"


def cache_folder() -> Path:
    """Where kernel sources (and numba's compiled kernels, in __pycache__) are kept."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop86" / "kernels"


_loaded: dict[str, object] = {}
_lock = threading.Lock()


def kernel_for(program, n_cases: int):
    """The compiled kernel for ``program`` and ``n_cases`` patterns (written and compiled
    on first use; later uses, in this process or another, load it)."""
    text = source(program, n_cases)
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    with _lock:  # the worker threads of one train() call ask at once
        if key not in _loaded:
            _loaded[key] = _import(_write(key, text), f"backprop86_kernel_{key}").kernel
    return _loaded[key]


def compile_once(kernel, args) -> None:
    """Compile ``kernel`` for ``args`` (or load it from numba's cache) under a file lock, so
    that jobs starting together on one machine compile a kernel once, not each."""
    if kernel.signatures:
        return
    import numba

    signature = tuple(numba.typeof(a) for a in args)
    lock = Path(sys.modules[kernel.py_func.__module__].__file__).with_suffix(".lock")
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
        kernel.compile(signature)


def _write(key: str, text: str) -> Path:
    for folder in (cache_folder(), Path(tempfile.gettempdir()) / f"backprop86-{os.getuid()}"):
        path = folder / f"kernel_{key}.py"
        try:
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")
                with os.fdopen(fd, "w") as f:
                    f.write(text)
                try:  # never replace a file another process wrote: numba keys its cache
                    os.link(tmp, path)  # on the file's time stamp
                except FileExistsError:
                    pass
                finally:
                    os.unlink(tmp)
            return path
        except OSError:
            continue
    raise OSError(f"no writable folder for compiled kernels; set {CACHE_VARIABLE}")


def _import(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs: numba records the module of a compiled function by name
    # and imports it by that name when it loads the function from its cache.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
