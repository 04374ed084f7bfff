"""Multi-scale deformable attention on CPU (``csrc/ms_deform_attn_cpu.cpp``).

Zhu et al., `Deformable DETR <https://arxiv.org/abs/2010.04159>`_, eq. (3).
mmcv 2.1.0 compiles the operator for CUDA (and MLU/NPU) only; on CPU it
falls back to ``grid_sample`` per level, which materialises the (bs x
heads, dims, queries, levels x points) samples, their weighted copy and, in
the backward, two more of that size. This operator computes the same numbers
(up to float rounding) with one pass over the sampling points forward and
one backward. It is built by ``pip install -e .`` (``setup.py``);
:func:`ms_deform_attn_cpu_available` is False where it was not built (or was
built against another torch), and callers then take the PyTorch paths.
"""
import functools

import torch
from torch import Tensor


@functools.lru_cache(maxsize=None)
def _extension():
    try:
        from . import _ms_deform_attn_cpu
    except (ImportError, OSError):
        return None
    return _ms_deform_attn_cpu


def ms_deform_attn_cpu_available() -> bool:
    """True when the compiled CPU operator can be imported."""
    return _extension() is not None


class _MSDeformAttnCPU(torch.autograd.Function):

    @staticmethod
    def forward(ctx, value, spatial_shapes, level_start_index,
                sampling_locations, attention_weights):
        ctx.save_for_backward(value, spatial_shapes, level_start_index,
                              sampling_locations, attention_weights)
        return _extension().forward(value, spatial_shapes, level_start_index,
                                    sampling_locations, attention_weights)

    @staticmethod
    def backward(ctx, grad_output):
        grads = _extension().backward(*ctx.saved_tensors,
                                      grad_output.contiguous())
        grad_value, grad_locations, grad_weights = (
            g if ctx.needs_input_grad[i] else None
            for g, i in zip(grads, (0, 3, 4)))
        return grad_value, None, None, grad_locations, grad_weights


def ms_deform_attn_cpu(value: Tensor, spatial_shapes: Tensor,
                       level_start_index: Tensor, sampling_locations: Tensor,
                       attention_weights: Tensor) -> Tensor:
    """Deformable attention with the compiled CPU operator (differentiable
    in ``value``, ``sampling_locations`` and ``attention_weights``).

    Arguments and result as
    :func:`projects.common.models.ms_deform_attn` (value (bs, num_value,
    num_heads, head_dims), normalised (x, y) sampling locations; output
    (bs, num_query, num_heads * head_dims)).
    """
    if not ms_deform_attn_cpu_available():
        raise RuntimeError(
            'the compiled CPU deformable attention is not built: run `pip '
            'install --no-build-isolation -e .` in the repository (or `make '
            'venv`), or use the PyTorch path')
    dtype = value.dtype
    return _MSDeformAttnCPU.apply(
        value.contiguous(), spatial_shapes.long().contiguous(),
        level_start_index.long().contiguous(),
        sampling_locations.to(dtype).contiguous(),
        attention_weights.to(dtype).contiguous())
