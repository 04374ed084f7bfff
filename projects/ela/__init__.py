"""Efficient Local Attention (ELA, arXiv:2403.01123) for MMDetection 3.x."""
from .ela import ELA, ELA_VARIANTS
from .resnet_ela import BasicBlockELA, ResNetELA

__all__ = ['ELA', 'ELA_VARIANTS', 'ResNetELA', 'BasicBlockELA']
