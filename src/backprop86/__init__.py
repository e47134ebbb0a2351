"""backprop86: a reference reproduction of Rumelhart, Hinton & Williams (1986).

The public API, for notebooks and scripts::

    from backprop86 import NetworkSpec, Patterns, LearningRule, TrainConfig, train

``train`` takes the backend by name (``backend="numba"`` for the compiled kernel); the
packages below say what lives where (docs/architecture.md draws the whole house).
"""

from .core.config import TrainConfig
from .core.criteria import Criterion
from .core.loss import ErrorFunction
from .core.network import NetworkSpec, Projection, layered
from .core.patterns import Patterns
from .core.propagation import backward, forward
from .core.records import CENSORED, EnsembleRecords
from .core.rule import LearningRule, Phase
from .core.seeding import initial_weights
from .errors import ConfigError
from .run.experiment import run, train

__version__ = "0.1.0"

__all__ = [
    "CENSORED", "ConfigError", "Criterion", "EnsembleRecords", "ErrorFunction",
    "LearningRule", "NetworkSpec", "Patterns", "Phase", "Projection", "TrainConfig",
    "backward", "forward", "initial_weights", "layered", "run", "train",
]
