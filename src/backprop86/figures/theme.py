"""The one look of every figure: a seaborn theme, the Hinton-diagram colours, and saving.

Every figure module calls :func:`apply` before drawing and :func:`save` to write it, so the
whole set shares fonts, palette and file conventions (PNG for the eye, PDF for papers).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are pipeline outputs: never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from ..atomic import atomic_path  # noqa: E402
from ..tables.stats import wilson_interval  # noqa: E402

# Hinton diagrams as in the papers (Nature Fig. 4 caption): white squares for positive
# weights, black for negative, on a grey ground.
POSITIVE = "white"
NEGATIVE = "black"
GROUND = "0.55"

PALETTE = "colorblind"
DPI = 150
FORMATS = ("png", "pdf")

# Fixed metadata keep the files byte-identical from run to run (matplotlib otherwise stamps
# the creation date into the PDF).
_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}}


def apply() -> None:
    """Set the project's seaborn theme (idempotent)."""
    sns.set_theme(context="paper", style="ticks", palette=PALETTE,
                  rc={"figure.dpi": DPI, "savefig.dpi": DPI, "axes.titlesize": "medium",
                      "figure.titlesize": "large", "legend.frameon": False,
                      "svg.hashsalt": "backprop86", "pdf.fonttype": 42})


def colors(n: int) -> list:
    """The first ``n`` colours of the theme's palette."""
    return sns.color_palette(PALETTE, n)


def share_bars(ax, x, counts, categories, n: int, **bar) -> None:
    """Bars of the share of ``n`` in each category, with 95 % Wilson intervals.

    Parameters
    ----------
    ax : the axes.
    x : (C,) bar positions.
    counts : category to count (a mapping, e.g. ``Series.value_counts()``).
    categories : the C categories, in the order of ``x``.
    n : the total the shares are of (NaN bars when 0).
    bar : passed to ``ax.bar`` (color, width, label).
    """
    hits = [int(counts.get(k, 0)) for k in categories]
    shares = np.array([h / n if n else np.nan for h in hits])
    bounds = np.array([wilson_interval(h, n) for h in hits])
    ax.bar(x, shares, **bar)
    ax.errorbar(x, shares, yerr=[shares - bounds[:, 0], bounds[:, 1] - shares], fmt="none",
                ecolor="black", capsize=2, linewidth=0.8)


def save(fig: plt.Figure, stem: str | Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.png`` and ``stem.pdf`` (atomically) and close it.

    Parameters
    ----------
    fig : the figure.
    stem : the output path without suffix; a given suffix is replaced.
    formats : file types to write.

    Returns
    -------
    The paths written.
    """
    stem = Path(stem)
    stem = stem.with_suffix("") if stem.suffix.lstrip(".") in formats else stem
    written = []
    for fmt in formats:
        path = stem.parent / f"{stem.name}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=_METADATA.get(fmt), bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    return written
