"""Global cross-attention with box relative position bias (BoxRPB).

Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_ (ICCV 2023); official code
https://github.com/impiga/Plain-DETR (``models/global_rpe_decomp_decoder.py``).

Every query attends to every token of the single stride-16 map. The
attention logits get a per-head bias from the query's reference box, split
along the two axes: for key column c the two offsets of the box's left and
right edges to the column's pixel centre go through one MLP (2 -> 512 -> H),
for key row r the top / bottom offsets through another, and the bias of
token (r, c) is the sum of the two.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from mmdet.registry import MODELS

ATTN_IMPLS = ('fast', 'reference')
RPE_TYPES = ('linear', 'abs_log8')
#: added to the logits of padded tokens (officially -100, not -inf)
PADDING_LOGIT = -100.0


def _cpb_mlp(hidden: int, num_heads: int) -> nn.Sequential:
    """Linear(2, hidden) -> ReLU -> Linear(hidden, heads, no bias)."""
    return nn.Sequential(
        nn.Linear(2, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, num_heads, bias=False))


@MODELS.register_module()
class BoxRPBCrossAttention(nn.Module):
    """Global multi-head cross-attention plus BoxRPB (official
    ``GlobalCrossAttention``, decomposed ``linear`` / ``abs_log8`` types).

    Two implementations with the same parameters and state-dict keys:

    * ``'reference'``: the official order of operations; it materialises
      the (B, H, Nq, h*w) bias and attention matrices.
    * ``'fast'`` (default): queries are processed ``chunk`` at a time, the
      two axial bias terms are added per chunk and the attention runs in
      :func:`torch.nn.functional.scaled_dot_product_attention` (a fused
      kernel where one exists). With gradients enabled each chunk is
      recomputed in the backward (activation checkpointing), so neither
      the bias, nor the attention, nor the MLPs' hidden activations of all
      queries are stored. Deviation: the official clip of the logits to
      the finite range of the dtype is applied to the bias only (the logits
      stay inside the fused kernel); it changes nothing unless a logit
      overflows.

    Args:
        embed_dims (int): Channels (256).
        num_heads (int): Heads (8).
        rpe_hidden_dim (int): Hidden width of the two bias MLPs (512).
        rpe_type (str): ``'linear'`` (raw pixel offsets, the released
            recipes) or ``'abs_log8'`` (sign(d) log2(|d| + 1) / 3).
        feature_stride (int): Stride of the key map in pixels (16).
        reparam (bool): Reference boxes are already in pixels (box
            re-parameterisation); otherwise they are normalised to the
            padded map and scaled by its size times the stride.
        attn_impl (str): ``'fast'`` or ``'reference'``.
        chunk (int): Queries per step of the fast path.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 rpe_hidden_dim: int = 512,
                 rpe_type: str = 'linear',
                 feature_stride: int = 16,
                 reparam: bool = False,
                 attn_impl: str = 'fast',
                 chunk: int = 256) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'BoxRPBCrossAttention: num_heads={num_heads} '
                             f'must divide embed_dims={embed_dims}.')
        if rpe_type not in RPE_TYPES:
            raise ValueError(f'rpe_type must be one of {RPE_TYPES}, got '
                             f'{rpe_type!r}.')
        if attn_impl not in ATTN_IMPLS:
            raise ValueError(f'attn_impl must be one of {ATTN_IMPLS}, got '
                             f'{attn_impl!r}.')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.scale = (embed_dims // num_heads)**-0.5
        self.rpe_type = rpe_type
        self.feature_stride = feature_stride
        self.reparam = reparam
        self.attn_impl = attn_impl
        self.chunk = max(1, int(chunk))
        # official names: cpb_mlp1 for the x axis, cpb_mlp2 for y
        self.cpb_mlp1 = _cpb_mlp(rpe_hidden_dim, num_heads)
        self.cpb_mlp2 = _cpb_mlp(rpe_hidden_dim, num_heads)
        self.q = nn.Linear(embed_dims, embed_dims)
        self.k = nn.Linear(embed_dims, embed_dims)
        self.v = nn.Linear(embed_dims, embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)

    # ------------------------------------------------------------ the bias
    def _box_corners(self, ref: Tensor, h: int, w: int) -> Tensor:
        """(B, Nq, 4) cxcywh -> (B, Nq, 4) x1, y1, x2, y2 in pixels."""
        corners = torch.cat([ref[..., :2] - ref[..., 2:] / 2,
                             ref[..., :2] + ref[..., 2:] / 2], dim=-1)
        if not self.reparam:
            size = corners.new_tensor([w, h, w, h]) * self.feature_stride
            corners = corners * size
        return corners

    def _offsets(self, edges: Tensor, n: int) -> Tensor:
        """(B, Nq, 2) box edges along one axis -> (B, Nq, n, 2) offsets to
        the pixel centres (i + 0.5) * stride of the n key positions."""
        centres = (torch.arange(n, dtype=edges.dtype, device=edges.device) +
                   0.5) * self.feature_stride
        delta = edges[:, :, None, :] - centres[None, None, :, None]
        if self.rpe_type == 'abs_log8':
            # log2(|d| + 1) / log2(8)
            delta = torch.sign(delta) * torch.log2(delta.abs() + 1.0) / 3.0
        return delta

    def axial_bias(self, ref: Tensor, h: int,
                   w: int) -> Tuple[Tensor, Tensor]:
        """The two axial terms: (B, H, Nq, h) for rows and (B, H, Nq, w)
        for columns; token (r, c) gets ``rows[..., r] + cols[..., c]``."""
        corners = self._box_corners(ref, h, w)
        cols = self.cpb_mlp1(self._offsets(corners[..., 0::2], w))
        rows = self.cpb_mlp2(self._offsets(corners[..., 1::2], h))
        return rows.permute(0, 3, 1, 2), cols.permute(0, 3, 1, 2)

    def full_bias(self, ref: Tensor, h: int, w: int) -> Tensor:
        """The whole (B, H, Nq, h*w) bias, row-major as the memory."""
        rows, cols = self.axial_bias(ref, h, w)
        return (rows[..., :, None] + cols[..., None, :]).flatten(-2)

    # ------------------------------------------------------------ forward
    def _heads(self, x: Tensor) -> Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.num_heads, -1).transpose(1, 2)

    def forward(self,
                query: Tensor,
                key: Tensor,
                value: Tensor,
                reference_points: Tensor,
                spatial_shape: Tuple[int, int],
                key_padding_mask: Optional[Tensor] = None) -> Tensor:
        """Args:
            query (Tensor): (B, Nq, C), content + position.
            key (Tensor): (B, h*w, C), memory + key position.
            value (Tensor): (B, h*w, C), memory.
            reference_points (Tensor): (B, Nq, 4) cxcywh, normalised to
                the padded map (or pixels with ``reparam``).
            spatial_shape (tuple): (h, w) of the key map.
            key_padding_mask (Tensor, optional): (B, h*w), True = padding.

        Returns:
            Tensor: (B, Nq, C), after ``proj``.
        """
        h, w = int(spatial_shape[0]), int(spatial_shape[1])
        if key.shape[1] != h * w:
            raise ValueError(f'BoxRPBCrossAttention: {key.shape[1]} keys for '
                             f'a {h}x{w} map.')
        q = self._heads(self.q(query))
        k = self._heads(self.k(key))
        v = self._heads(self.v(value))
        if self.attn_impl == 'reference':
            out = self._reference(q, k, v, reference_points, h, w,
                                  key_padding_mask)
        else:
            out = self._fast(q, k, v, reference_points, h, w,
                             key_padding_mask)
        b, _, nq, _ = out.shape
        return self.proj(out.transpose(1, 2).reshape(b, nq, -1))

    def _reference(self, q, k, v, ref, h, w, padding):
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn + self.full_bias(ref, h, w)
        if padding is not None:
            attn = attn + padding[:, None, None].to(attn.dtype) * \
                PADDING_LOGIT
        info = torch.finfo(attn.dtype)
        attn = attn.clamp(info.min, info.max).softmax(dim=-1)
        return attn @ v

    def _chunk(self, q: Tensor, k: Tensor, v: Tensor, ref: Tensor,
               padding_bias: Optional[Tensor], h: int, w: int) -> Tensor:
        bias = self.full_bias(ref, h, w)  # of this chunk of queries only
        if padding_bias is not None:
            bias = bias + padding_bias
        info = torch.finfo(bias.dtype)
        bias = bias.clamp(info.min, info.max).to(q.dtype)
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, scale=self.scale)

    def _fast(self, q, k, v, ref, h, w, padding):
        padding_bias = None
        if padding is not None:
            padding_bias = padding[:, None, None].to(q.dtype) * PADDING_LOGIT
        recompute = torch.is_grad_enabled() and any(
            t.requires_grad for t in (q, k, v, ref))
        outs = []
        for start in range(0, q.shape[2], self.chunk):
            end = start + self.chunk
            args = (q[:, :, start:end], k, v, ref[:, start:end],
                    padding_bias, h, w)
            if recompute:
                outs.append(checkpoint(self._chunk, *args,
                                       use_reentrant=False))
            else:
                outs.append(self._chunk(*args))
        return torch.cat(outs, dim=2)
