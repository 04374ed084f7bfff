"""Training-engine pieces: the torch>=2.6 checkpoint fix, hooks and the
name-rule optimiser constructor."""
from . import checkpoint_compat
from .hooks import RNGStateHook
from .optim_constructor import ParamNameOptimWrapperConstructor

checkpoint_compat.install()

__all__ = [
    'checkpoint_compat', 'ParamNameOptimWrapperConstructor', 'RNGStateHook'
]
