from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rng_state_hook import RNGStateHook

__all__ = ['RNGStateHook', 'NonFiniteLossHook', 'NonFiniteLossError']
