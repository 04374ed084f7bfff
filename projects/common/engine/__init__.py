"""Training-engine pieces: the torch>=2.6 checkpoint fix and hooks."""
from . import checkpoint_compat
from .hooks import RNGStateHook

checkpoint_compat.install()

__all__ = ['checkpoint_compat', 'RNGStateHook']
