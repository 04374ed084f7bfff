"""Blocks of BiFormer (Zhu et al., CVPR 2023, arXiv:2303.08810).

Module and parameter names follow the official code where a checkpoint
depends on them; ``tools/model_converters/biformer_to_mmdet.py`` maps the
few that differ.
"""
from typing import Optional

import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from torch import Tensor, nn

from .bra import BiLevelRoutingAttention, lepe_conv


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW map (timm's ``LayerNorm2d``).

    BiFormer's detection backbone normalises every returned stage with it
    (eps 1e-6).
    """

    def __init__(self, num_channels: int, eps: float = 1e-6) -> None:
        super().__init__(num_channels, eps=eps)

    def forward(self, x: Tensor) -> Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias,
                         self.eps)
        return x.permute(0, 3, 1, 2)


class AttentionLePE(BaseModule):
    """Global multi-head attention with a locally-enhanced positional term.

    BiFormer's last stage (``topk=-2`` in the official code). As released:
    8 heads whatever the width, q/k/v projection without bias, scale
    ``(C / heads) ** -0.5``, and the 5x5 depthwise LePE conv applied to the
    attention *input* (not to the values), added before ``proj``.

    Args:
        embed_dims (int): Channels C.
        num_heads (int): Heads; the official stage 4 uses the default 8.
        side_dwconv (int): LePE kernel; 0 disables it.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int = 8,
                 side_dwconv: int = 5,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'AttentionLePE: num_heads={num_heads} must '
                             f'divide embed_dims={embed_dims}.')
        self.num_heads = num_heads
        self.scale = (embed_dims // num_heads)**-0.5
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims, bias=False)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.lepe = lepe_conv(embed_dims, side_dwconv)

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): (N, H, W, C). Returns: (N, H, W, C)."""
        n, h, w, c = x.shape
        qkv = self.qkv(x.reshape(n, h * w, c))
        # (3, N, heads, HW, d): the q, k, v blocks are head-major
        q, k, v = qkv.view(n, h * w, 3, self.num_heads, -1).permute(
            2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        out = out.transpose(1, 2).reshape(n, h, w, c)
        if self.lepe is not None:
            out = out + self.lepe(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.proj(out)


class BiFormerBlock(BaseModule):
    """BiFormer block: depthwise-conv position term, attention and MLP.

    ``x = x + dwconv3x3(x)``, then pre-norm residual attention and MLP on
    NHWC with LayerNorms of eps 1e-6 (the official choice against attention
    collapse). The attention is BRA for ``topk > 0`` and global
    :class:`AttentionLePE` for ``topk == -2`` (the released last stage).

    Args:
        embed_dims (int): Channels C.
        num_heads (int): BRA heads (C / 32 in the released models).
        topk (int): Routed regions; -2 selects global attention.
        n_win (int): BRA regions per side.
        mlp_ratio (float): MLP hidden width over C.
        drop_path (float): Stochastic-depth rate of both residuals.
        side_dwconv (int): LCE / LePE kernel.
        auto_pad (bool): Let BRA pad sizes not divisible by ``n_win``.
        attn_impl (str): BRA implementation, ``'fast'`` or ``'reference'``.
        with_cp (bool): Recompute the block in backward (saves memory).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 topk: int,
                 n_win: int = 7,
                 mlp_ratio: float = 3.,
                 drop_path: float = 0.,
                 side_dwconv: int = 5,
                 auto_pad: bool = True,
                 attn_impl: str = 'fast',
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        self.pos_embed = nn.Conv2d(
            embed_dims, embed_dims, 3, padding=1, groups=embed_dims)
        self.norm1 = nn.LayerNorm(embed_dims, eps=1e-6)
        if topk > 0:
            self.attn = BiLevelRoutingAttention(
                embed_dims,
                num_heads=num_heads,
                n_win=n_win,
                topk=topk,
                side_dwconv=side_dwconv,
                auto_pad=auto_pad,
                attn_impl=attn_impl)
        elif topk == -2:
            # official: AttentionLePE built without num_heads -> 8 heads
            self.attn = AttentionLePE(embed_dims, side_dwconv=side_dwconv)
        else:
            raise ValueError(
                f'BiFormerBlock: topk={topk} is not supported; use > 0 for '
                f'bi-level routing or -2 for global attention with LePE '
                f'(the released models use [1, 4, 16, -2]).')
        self.norm2 = nn.LayerNorm(embed_dims, eps=1e-6)
        hidden = int(mlp_ratio * embed_dims)
        self.mlp = nn.Sequential(
            nn.Linear(embed_dims, hidden), nn.GELU(),
            nn.Linear(hidden, embed_dims))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()

    def _forward(self, x: Tensor) -> Tensor:
        x = x + self.pos_embed(x)
        x = x.permute(0, 2, 3, 1)
        x = x + self.drop_path(self.attn(self.norm1(x)))
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return x.permute(0, 3, 1, 2)

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): (N, C, H, W). Returns: (N, C, H, W)."""
        if self.with_cp and x.requires_grad and torch.is_grad_enabled():
            return cp.checkpoint(self._forward, x, use_reentrant=False)
        return self._forward(x)
