"""The error measure (Nature eq. 3) with the two switches reproductions disagree on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

REDUCTIONS = ("sum", "mean")
MARGIN_MODES = ("to_bound", "to_target")


@dataclass(frozen=True)
class ErrorFunction:
    """E = 1/2 sum over cases c and output units j of (y_jc - d_jc)^2 (Nature eq. 3).

    Parameters
    ----------
    reduction : ``"sum"`` (the paper, default) or ``"mean"``: divide by the number of
        training cases times the number of output units, as reproductions that use a
        mean-squared-error loss do. An ablation only.
    margin : ``(on_above, off_below)`` or None. Error is zero for a unit that should be on
        and is above ``on_above``, and for one that should be off and is below ``off_below``
        (Nature Fig. 4 caption: 0.8 / 0.2).
    margin_mode : what the error is measured against outside the margin. ``"to_bound"``:
        against the bound itself (targets act as 0.8 / 0.2; the reading in
        PAPER_FACTS A.2); ``"to_target"``: against the 1 / 0 target. The caption does not
        say; this is a named ambiguity.
    """

    reduction: str = "sum"
    margin: tuple[float, float] | None = None
    margin_mode: str = "to_bound"

    def __post_init__(self):
        if self.reduction not in REDUCTIONS:
            raise ConfigError("reduction", f"unknown {self.reduction!r}", ", ".join(REDUCTIONS))
        if self.margin_mode not in MARGIN_MODES:
            raise ConfigError("margin_mode", f"unknown {self.margin_mode!r}",
                              ", ".join(MARGIN_MODES))
        if self.margin is not None:
            on_above, off_below = self.margin
            if not 0.0 <= off_below < on_above <= 1.0:
                raise ConfigError("margin", f"{self.margin!r}",
                                  "[on_above, off_below] with 0 <= off_below < on_above <= 1")
            object.__setattr__(self, "margin", (float(on_above), float(off_below)))

    def residual(self, y: np.ndarray, d: np.ndarray) -> np.ndarray:
        """dE/dy of one case before weighting: y - d, or zero inside the margin."""
        if self.margin is None:
            return y - d
        on_above, off_below = self.margin
        should_be_on = d >= 0.5
        target = np.where(should_be_on, on_above, off_below) if self.margin_mode == "to_bound" \
            else d
        satisfied = np.where(should_be_on, y >= on_above, y <= off_below)
        r = y - target
        r[satisfied] = 0.0
        return r

    def __call__(self, y: np.ndarray, d: np.ndarray, case_mask: np.ndarray | None = None,
                 n_cases: np.ndarray | int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Error of each network and its derivative with respect to the outputs.

        Parameters
        ----------
        y : (K, n_output, P) outputs.
        d : (n_output, P) targets shared by all networks, or (K, n_output, P).
        case_mask : (K, P) bool or None; True for a training case, False for a held-out one
            (which then adds nothing to the error or its gradient).
        n_cases : number of training cases per network, (K,) or a scalar, used by the
            ``mean`` reduction; defaults to the cases present in the mask.

        Returns
        -------
        error : (K,)
        d_error_d_output : (K, n_output, P)
        """
        r = self.residual(y, d)
        if case_mask is not None:
            r = r * case_mask[:, None, :]
        if self.reduction == "mean":
            if n_cases is None:
                n_cases = case_mask.sum(axis=1) if case_mask is not None else y.shape[2]
            scale = 1.0 / (np.asarray(n_cases, dtype=float) * y.shape[1])
            scale = np.broadcast_to(scale, (y.shape[0],))
            r = r * scale[:, None, None]
            # r already carries one factor of scale; E = scale/2 sum r0^2 = 1/(2 scale) sum r^2
            error = 0.5 * (r * r).sum(axis=(1, 2)) / scale
        else:
            # A per-network reduction over contiguous axes: its summation order does not
            # depend on K, so a network's error is the same bits in any ensemble.
            error = 0.5 * (r * r).sum(axis=(1, 2))
        return error, r
