"""Where the learning signal dies: per-layer diagnostics across training, one column per
arm (for example with and without the weight decay), from the diagnosis table
(:mod:`backprop86.run.diagnostics`) only.

Rows: the gradient norm |dE/dw| of each layer; its weight norm |w| with, where the decay
is on, the size at which the decay balances the gradient (dashed); how much each layer's
activity varies over the training cases; and the output units that should be on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib import pyplot as plt

from . import theme

ROWS = (
    ("grad_norm", "gradient norm |dE/dw|", "log"),
    ("weight_norm", "weight norm |w|\n(dashed: decay balances gradient)", "log"),
    ("activity_sd", "activity sd over cases\n(mean over units)", "log"),
    ("outputs", "output units that should be on", "linear"),
)
OUTPUT_LINES = (("output_on", "mean output, should be on"),
                ("output_off", "mean output, should be off"),
                ("stuck_share", "share of should-be-on outputs stuck low"))


def _layers(table: pd.DataFrame) -> list[str]:
    """The layers in the table's order (the network's, from the inputs)."""
    rows = table[(table["param"] == "all") & (table["quantity"] == "weight_norm")]
    return list(dict.fromkeys(rows["layer"]))


def learning_signal(table: pd.DataFrame) -> plt.Figure:
    """The diagnosis figure.

    Parameters
    ----------
    table : the diagnosis table (columns of :data:`backprop86.run.diagnostics.COLUMNS`).
    """
    theme.apply()
    if table.empty:
        raise ValueError("the diagnosis table is empty")
    arms = list(dict.fromkeys(table["arm"]))
    layers = _layers(table)
    colors = dict(zip(layers, theme.colors(len(layers))))
    fig, axes = plt.subplots(len(ROWS), len(arms), figsize=(3.6 * len(arms), 2.5 * len(ROWS)),
                             squeeze=False, sharex="col", sharey="row")
    for col, arm in enumerate(arms):
        rows = table[table["arm"] == arm]
        for r, (quantity, label, scale) in enumerate(ROWS):
            ax = axes[r, col]
            if quantity == "outputs":
                _outputs(ax, rows)
            else:
                _per_layer(ax, rows, quantity, layers, colors)
            ax.set_xscale("symlog", linthresh=1)
            ax.set_yscale(scale)
            if col == 0:
                ax.set_ylabel(label)
            if r == 0:
                ax.set_title(arm)
            if r == len(ROWS) - 1:
                ax.set_xlabel("sweep")
    handles, names = axes[0, 0].get_legend_handles_labels()
    out_handles, out_names = axes[-1, 0].get_legend_handles_labels()
    fig.legend(handles + out_handles, names + out_names, loc="upper center",
               ncol=min(4, len(names) + len(out_names)), bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def _per_layer(ax, rows: pd.DataFrame, quantity: str, layers, colors) -> None:
    param = "" if quantity == "activity_sd" else "all"
    for layer in layers:
        line = rows[(rows["layer"] == layer) & (rows["param"] == param)
                    & (rows["quantity"] == quantity)].sort_values("sweep")
        if line.empty:
            continue
        ax.plot(line["sweep"], line["median"], color=colors[layer], linewidth=1.4,
                label=layer)
        ax.fill_between(line["sweep"], line["q10"], line["q90"], color=colors[layer],
                        alpha=0.15, linewidth=0)
        if quantity == "weight_norm":
            balance = rows[(rows["layer"] == layer) & (rows["param"] == "all")
                           & (rows["quantity"] == "balance_norm")].sort_values("sweep")
            if not balance.empty:
                ax.plot(balance["sweep"], balance["median"], color=colors[layer],
                        linewidth=0.9, linestyle="--")


def _outputs(ax, rows: pd.DataFrame) -> None:
    styles = ("-", ":", "-.")
    for (quantity, label), style in zip(OUTPUT_LINES, styles):
        line = rows[rows["quantity"] == quantity].sort_values("sweep")
        ax.plot(line["sweep"], line["median"], color="0.2", linestyle=style, linewidth=1.3,
                label=label)
    ax.set_ylim(-0.02, 1.02)
    ax.axhspan(0.8, 1.02, color="0.9", zorder=0)
    ax.axhspan(-0.02, 0.2, color="0.9", zorder=0)


def read_diagnosis(path: str | Path) -> pd.DataFrame:
    """The diagnosis table, its empty layers and params as empty strings."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    table[["layer", "param"]] = table[["layer", "param"]].fillna("")
    return table


def draw_diagnosis(table_path: str | Path, out: str | Path) -> list[Path]:
    """Draw the diagnosis table at ``table_path`` as ``out``.png and .pdf."""
    return theme.save(learning_signal(read_diagnosis(table_path)), out)
