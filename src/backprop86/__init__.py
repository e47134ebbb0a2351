"""backprop86: a reference reproduction of Rumelhart, Hinton & Williams (1986).

The public API, for notebooks and scripts::

    from backprop86 import NetworkSpec, Patterns, LearningRule, TrainConfig, train
"""

from .criteria import Criterion
from .errors import ConfigError
from .loss import ErrorFunction
from .network import NetworkSpec, Projection, layered
from .propagation import backward, forward
from .records import CENSORED, EnsembleRecords
from .rule import LearningRule, Phase
from .seeding import initial_weights
from .trainer import Patterns, TrainConfig, train

__version__ = "0.1.0"

__all__ = [
    "CENSORED", "ConfigError", "Criterion", "EnsembleRecords", "ErrorFunction",
    "LearningRule", "NetworkSpec", "Patterns", "Phase", "Projection", "TrainConfig",
    "backward", "forward", "initial_weights", "layered", "train",
]
