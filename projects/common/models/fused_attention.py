"""Multi-head attention on PyTorch's fused kernel where nothing needs the
attention map.

mmcv's ``MultiheadAttention`` (every DETR decoder's self-attention in mmdet)
calls ``nn.MultiheadAttention`` with its default ``need_weights=True`` and
throws the returned head-averaged map away. Asking for the map makes PyTorch
take its explicit path (a ``baddbmm``, a softmax and a ``bmm`` holding the
whole (batch x heads, queries, keys) map, plus the average over heads);
without it PyTorch runs ``scaled_dot_product_attention``, whose CPU and CUDA
kernels never hold the map. Same parameters and the same computation up to
float rounding (the fused kernels sum the softmax in blocks).

Measured on 2 CPU cores, 8 heads x 256 dims, batch 2, forward and backward
(``tools/analysis_tools/benchmark_relation_detr.py`` measures the models):
1500 queries without a mask (Relation-DETR's hybrid pass) 0.38x the time of
the explicit path; 1092 queries with DINO's boolean denoising mask 0.59x;
inference 0.3-0.4x.

One case keeps the explicit path: a float mask that needs a gradient (the
learned position-relation bias of Relation-DETR). The fused CPU kernel gives
no gradient to a mask, so PyTorch falls back to its unfused math path, 1.2x
slower than the explicit one.
"""
from typing import Optional

from mmcv.cnn.bricks.transformer import MultiheadAttention
from torch import Tensor, nn


class _MapFreeMultiheadAttention(nn.MultiheadAttention):
    """``nn.MultiheadAttention`` whose ``need_weights`` defaults to asking
    for the attention map only when the explicit path is the faster one (a
    float mask with a gradient; see the module docstring). Adds no
    parameter: state-dict keys and weights stay those of the torch class."""

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Optional[Tensor] = None,
                need_weights: Optional[bool] = None,
                attn_mask: Optional[Tensor] = None, **kwargs):
        if need_weights is None:
            need_weights = attn_mask is not None and attn_mask.requires_grad
        return super().forward(query, key, value,
                               key_padding_mask=key_padding_mask,
                               need_weights=need_weights,
                               attn_mask=attn_mask, **kwargs)


def use_fused_attention(module: nn.Module) -> nn.Module:
    """Let every mmcv ``MultiheadAttention`` inside ``module`` run PyTorch's
    fused attention kernel (in place; weights, names and outputs up to float
    rounding unchanged).

    mmcv's wrapper only reads the output of its inner ``nn.MultiheadAttention``
    (``self.attn``), so the inner module's class is switched to one that does
    not ask for the attention map. :func:`use_explicit_attention` switches
    back (benchmarks and equality checks).
    """
    for child in module.modules():
        if (isinstance(child, MultiheadAttention)
                and type(child.attn) is nn.MultiheadAttention):
            child.attn.__class__ = _MapFreeMultiheadAttention
    return module


def use_explicit_attention(module: nn.Module) -> nn.Module:
    """Undo :func:`use_fused_attention`: mmcv's behaviour, the attention map
    computed and averaged over heads (the reference path)."""
    for child in module.modules():
        if type(child) is _MapFreeMultiheadAttention:
            child.__class__ = nn.MultiheadAttention
    return module
