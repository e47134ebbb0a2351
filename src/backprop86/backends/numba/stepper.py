"""The numba backend's stepper: the compiled kernel trains a block's live networks over a
segment of many sweeps, in several threads that share the block's networks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...core import criteria
from ...core.trainer import Block, Segment
from . import codegen
from .codegen import KernelArguments
from .program import Program, distinct_inputs

# Criterion kinds as the kernel sees them (see criteria.Criterion).
KIND_CODES = {"budget": 0, "error_below": 1, "correct_side": 2, "within": 3}

# Sweeps per kernel call are chosen so that the error trace of one call holds about this
# many numbers (8 MB); between calls finished networks leave the block.
TRACE_ELEMENTS = 1 << 20


class CompiledStepper:
    """A :class:`~backprop86.core.trainer.Stepper` whose segments are kernel calls.

    ``block.threads`` threads run the kernel on the block at once, each taking the next
    network not yet taken until none is left: a thread that the machine slows takes fewer,
    and the threads finish within one network of each other. Each network is trained by
    one thread from its first sweep of the segment to its last, so its bits do not depend
    on which. The kernel writes a stopping network's activities into the block's records.
    """

    def __init__(self, block: Block):
        spec, patterns, config = block.spec, block.patterns, block.config
        self.block = block
        self.program = program = Program.of(spec)
        k, n_cases = len(block.records.seeds), patterns.n_cases
        self.kernel = codegen.kernel_for(program, n_cases)  # loads numba
        template = np.zeros((program.n_units, n_cases))
        columns = patterns.input_columns()
        for i, g in enumerate(spec.inputs):  # input groups come first in the program
            template[program.offset[i]:program.offset[i] + program.size[i]] = columns[g]
        self.template = template
        self.targets = patterns.target_columns()
        self.distinct, self.compact = distinct_inputs(program, template, n_cases)
        mask = block.case_mask
        self.mask = np.ones((k, n_cases)) if mask is None else mask.astype(np.float64)
        self.n_train = self.mask.sum(axis=1)
        self.eps, self.alpha, self.decays = config.rule.per_sweep(config.budget)
        monitors = [criteria.parse(name) for name in config.monitor]
        self.kinds = np.array([KIND_CODES[c.kind] for c in monitors], dtype=np.int64)
        self.values = np.array([c.value or 0.0 for c in monitors], dtype=np.float64)
        self.theta = program.flatten(block.records.initial)
        self.velocity = np.zeros_like(self.theta)
        self.first = np.full((k, len(monitors)), -1, dtype=np.int64)

    def segment_end(self, sweep: int) -> int:
        return sweep + max(1, TRACE_ELEMENTS // len(self.theta))

    def run(self, start: int, end: int, rows: np.ndarray) -> Segment:
        config, error = self.block.config, self.block.config.error
        n = len(rows)
        margin = error.margin is not None
        on_above, off_below = error.margin if margin else (1.0, 0.0)
        stop_index = config.stop_index
        segment = Segment(trace=np.full((n, end - start), np.nan), first=self.first,
                          done=np.zeros(n, dtype=bool), stopped=np.full(n, -1, dtype=np.int64),
                          final_error=np.full(n, np.nan))
        arguments = KernelArguments(
            theta=self.theta, velocity=self.velocity, first=self.first, done=segment.done,
            stopped=segment.stopped, final_error=segment.final_error,
            final_activity=self.block.records.all_activity, rows=rows, trace=segment.trace,
            sweep_from=start, sweep_to=end, budget=config.budget,
            template=self.template.reshape(-1), targets=self.targets.reshape(-1),
            mask=self.mask, n_train=self.n_train, net=self.program.net,
            tanh=self.program.tanh, mean=error.reduction == "mean", margin=margin,
            on_above=on_above, off_below=off_below, to_bound=error.margin_mode == "to_bound",
            eps=self.eps, alpha=self.alpha, decays=self.decays,
            decay_factor=1.0 - config.rule.weight_decay, kinds=self.kinds, values=self.values,
            stop_index=-1 if stop_index is None else stop_index,
            taken=np.zeros(1, dtype=np.int64), distinct=self.distinct,
            compact_template=self.compact)
        codegen.compile_once(self.kernel, arguments)
        run_in_threads(self.kernel, arguments, min(self.block.threads, n))
        return segment

    def weights(self) -> dict[str, np.ndarray]:
        return self.program.unflatten(self.theta)

    def activity(self) -> None:
        return None  # the kernel wrote the done networks' activities into the records

    def carry_on(self, keep: np.ndarray) -> None:
        if not keep.all():
            self.theta, self.velocity = self.theta[keep], self.velocity[keep]
            self.first, self.mask, self.n_train = self.first[keep], self.mask[keep], \
                self.n_train[keep]


def run_in_threads(kernel, arguments, threads: int) -> None:
    """kernel(*arguments) in ``threads`` threads at once (this one among them), all sharing
    the arrays; the kernel releases the GIL."""
    if threads <= 1:
        kernel(*arguments)
        return
    with ThreadPoolExecutor(max_workers=threads - 1) as pool:
        others = [pool.submit(kernel, *arguments) for _ in range(threads - 1)]
        kernel(*arguments)
        for other in others:
            other.result()  # its exception, if any
