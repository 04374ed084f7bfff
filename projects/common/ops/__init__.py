"""Compiled operators of this project (built by ``pip install -e .``; each
has a PyTorch fallback where it is not built)."""
from .msda_cpu import ms_deform_attn_cpu, ms_deform_attn_cpu_available

__all__ = ['ms_deform_attn_cpu', 'ms_deform_attn_cpu_available']
