"""Layers of the MixFormer backbone (mixed attention over CvT stages).

Cui et al., "MixFormer: End-to-End Tracking with Iterative Mixed
Attention", CVPR 2022 (arXiv:2203.11082). Official code: MCG-NJU/MixFormer
(``lib/models/mixformer_cvt/``). Module and parameter names follow the
official ones so that official checkpoints map one to one.
"""
from collections import OrderedDict
from typing import List, Optional, Tuple

import torch
from mmcv.cnn.bricks import DropPath
from torch import Tensor, nn
# the official layer (eps 1e-5, buffers only, never updated)
from torchvision.ops import FrozenBatchNorm2d


class QuickGELU(nn.Module):
    """``x * sigmoid(1.702 x)``, the activation of the official CvT MLPs."""

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.sigmoid(1.702 * x)


class LayerNormFP32(nn.LayerNorm):
    """LayerNorm computed in float32 and cast back (official CvT norm)."""

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x.float()).to(x.dtype)


class ConvEmbed(nn.Module):
    """Overlapping conv patch embedding followed by a channel LayerNorm."""

    def __init__(self, in_channels: int, embed_dims: int, kernel_size: int,
                 stride: int, padding: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dims, kernel_size, stride,
                              padding)
        self.norm = LayerNormFP32(embed_dims, eps=1e-5)

    def forward(self, x: Tensor) -> Tensor:
        """(B, Cin, H, W) -> (B, C, H', W')."""
        x = self.proj(x)
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Mlp(nn.Module):
    """Linear - QuickGELU - Linear (official names ``fc1`` / ``fc2``)."""

    def __init__(self, dims: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden)
        self.act = QuickGELU()
        self.fc2 = nn.Linear(hidden, dims)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


def _conv_projection(dims: int, stride: int) -> nn.Sequential:
    """Depthwise 3x3 conv (no bias) + frozen BN, the ``dw_bn`` projection."""
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(
                dims, dims, 3, stride=stride, padding=1, bias=False,
                groups=dims),
            bn=FrozenBatchNorm2d(dims)))


def _tokens(x: Tensor) -> Tensor:
    """(B, C, H, W) -> (B, H*W, C)."""
    return x.flatten(2).transpose(1, 2)


class MixedAttention(nn.Module):
    """Asymmetric mixed attention of MixFormer (CVPR 2022).

    q / k / v come from per-image depthwise conv projections (stride 1 for
    q, 2 for k / v) followed by linear maps. Template tokens (the static
    template and the online templates) attend only to template keys; search
    tokens attend to template and search keys. The scale is
    ``embed_dims ** -0.5`` (the full width, as the official CvT code).

    Because templates never see the search image, their keys and values can
    be computed once (:meth:`set_templates`) and reused for every search
    frame (:meth:`forward_search`).
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 qkv_bias: bool = True) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.scale = embed_dims**-0.5
        self.conv_proj_q = _conv_projection(embed_dims, 1)
        self.conv_proj_k = _conv_projection(embed_dims, 2)
        self.conv_proj_v = _conv_projection(embed_dims, 2)
        self.proj_q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj_k = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj_v = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        # template keys / values after the conv projection (tracking cache)
        self.cached_k: Optional[Tensor] = None
        self.cached_v: Optional[Tensor] = None

    def _heads(self, x: Tensor) -> Tensor:
        return x.unflatten(-1, (self.num_heads, -1)).transpose(1, 2)

    def _attend(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        attn = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        return (attn @ v).transpose(1, 2).flatten(2)

    def _conv_qkv(self, maps: List[Tensor]) -> Tuple[Tensor, Tensor, Tensor]:
        """Conv projections of each image (never across image borders),
        concatenated as tokens."""
        q = torch.cat([_tokens(self.conv_proj_q(m)) for m in maps], dim=1)
        k = torch.cat([_tokens(self.conv_proj_k(m)) for m in maps], dim=1)
        v = torch.cat([_tokens(self.conv_proj_v(m)) for m in maps], dim=1)
        return q, k, v

    def forward(self, templates: List[Tensor], search: Tensor
                ) -> Tuple[Tensor, Tensor]:
        """Joint pass over templates and search (training and uncached
        tracking).

        Args:
            templates (list[Tensor]): (B, C, th, tw) maps: the static
                template then the online template(s).
            search (Tensor): (B, C, sh, sw).

        Returns:
            tuple: template tokens (B, T*th*tw, C) and search tokens
            (B, sh*sw, C) after attention and ``proj``.
        """
        q_t, k_t, v_t = self._conv_qkv(templates)
        q_s, k_s, v_s = self._conv_qkv([search])
        q_t, q_s = self._heads(self.proj_q(q_t)), self._heads(self.proj_q(q_s))
        k = self._heads(self.proj_k(torch.cat([k_t, k_s], dim=1)))
        v = self._heads(self.proj_v(torch.cat([v_t, v_s], dim=1)))
        n_t = k_t.shape[1]
        out_t = self._attend(q_t, k[:, :, :n_t], v[:, :, :n_t])
        out_s = self._attend(q_s, k, v)
        return self.proj(out_t), self.proj(out_s)

    def set_templates(self, templates: List[Tensor]) -> Tensor:
        """Template-only pass that caches the templates' conv-projected
        keys and values; returns the template tokens after ``proj``."""
        q_t, k_t, v_t = self._conv_qkv(templates)
        self.cached_k, self.cached_v = k_t, v_t
        out = self._attend(
            self._heads(self.proj_q(q_t)), self._heads(self.proj_k(k_t)),
            self._heads(self.proj_v(v_t)))
        return self.proj(out)

    def forward_search(self, search: Tensor) -> Tensor:
        """Search-only pass against the cached template keys / values."""
        if self.cached_k is None:
            raise RuntimeError('MixedAttention: call set_templates() before '
                               'forward_search().')
        q_s, k_s, v_s = self._conv_qkv([search])
        n = search.shape[0]
        k = torch.cat([self.cached_k.expand(n, -1, -1), k_s], dim=1)
        v = torch.cat([self.cached_v.expand(n, -1, -1), v_s], dim=1)
        out = self._attend(
            self._heads(self.proj_q(q_s)), self._heads(self.proj_k(k)),
            self._heads(self.proj_v(v)))
        return self.proj(out)


class MixFormerBlock(nn.Module):
    """Pre-norm block: mixed attention and a QuickGELU MLP, both residual."""

    def __init__(self, embed_dims: int, num_heads: int,
                 mlp_ratio: float = 4., drop_path: float = 0.,
                 qkv_bias: bool = True) -> None:
        super().__init__()
        self.norm1 = LayerNormFP32(embed_dims, eps=1e-5)
        self.attn = MixedAttention(embed_dims, num_heads, qkv_bias)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()
        self.norm2 = LayerNormFP32(embed_dims, eps=1e-5)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio))

    def _mlp(self, x: Tensor) -> Tensor:
        return x + self.drop_path(self.mlp(self.norm2(x)))

    @staticmethod
    def _maps(tokens: Tensor, sizes: List[Tuple[int, int]]) -> List[Tensor]:
        """Split (B, sum(h*w), C) tokens into (B, C, h, w) maps."""
        out, start = [], 0
        for h, w in sizes:
            out.append(tokens[:, start:start + h * w].transpose(1, 2).reshape(
                tokens.shape[0], -1, h, w))
            start += h * w
        return out

    def forward(self, t: Tensor, s: Tensor, t_sizes: List[Tuple[int, int]],
                s_size: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
        """Joint pass; ``t`` (B, Nt, C) template tokens, ``s`` search."""
        out_t, out_s = self.attn(
            self._maps(self.norm1(t), t_sizes),
            self._maps(self.norm1(s), [s_size])[0])
        t = self._mlp(t + self.drop_path(out_t))
        s = self._mlp(s + self.drop_path(out_s))
        return t, s

    def set_templates(self, t: Tensor,
                      t_sizes: List[Tuple[int, int]]) -> Tensor:
        out = self.attn.set_templates(self._maps(self.norm1(t), t_sizes))
        return self._mlp(t + self.drop_path(out))

    def forward_search(self, s: Tensor, s_size: Tuple[int, int]) -> Tensor:
        out = self.attn.forward_search(self._maps(self.norm1(s), [s_size])[0])
        return self._mlp(s + self.drop_path(out))


class MixFormerStage(nn.Module):
    """One CvT stage: conv embedding (per image, shared weights) + blocks."""

    def __init__(self, in_channels: int, embed_dims: int, depth: int,
                 num_heads: int, patch_size: int, patch_stride: int,
                 patch_padding: int, mlp_ratio: float = 4.,
                 drop_path_rate: float = 0., qkv_bias: bool = True) -> None:
        super().__init__()
        self.patch_embed = ConvEmbed(in_channels, embed_dims, patch_size,
                                     patch_stride, patch_padding)
        rates = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList(
            MixFormerBlock(embed_dims, num_heads, mlp_ratio, rates[j],
                           qkv_bias) for j in range(depth))

    @staticmethod
    def _flat(maps: List[Tensor]) -> Tuple[Tensor, List[Tuple[int, int]]]:
        return (torch.cat([_tokens(m) for m in maps], dim=1),
                [tuple(m.shape[2:]) for m in maps])

    def forward(self, templates: List[Tensor], search: Tensor
                ) -> Tuple[List[Tensor], Tensor]:
        t, t_sizes = self._flat([self.patch_embed(m) for m in templates])
        s_map = self.patch_embed(search)
        s, (s_size, ) = self._flat([s_map])
        for blk in self.blocks:
            t, s = blk(t, s, t_sizes, s_size)
        return (MixFormerBlock._maps(t, t_sizes),
                MixFormerBlock._maps(s, [s_size])[0])

    def set_templates(self, templates: List[Tensor]) -> List[Tensor]:
        t, t_sizes = self._flat([self.patch_embed(m) for m in templates])
        for blk in self.blocks:
            t = blk.set_templates(t, t_sizes)
        return MixFormerBlock._maps(t, t_sizes)

    def forward_search(self, search: Tensor) -> Tensor:
        s_map = self.patch_embed(search)
        s, (s_size, ) = self._flat([s_map])
        for blk in self.blocks:
            s = blk.forward_search(s, s_size)
        return MixFormerBlock._maps(s, [s_size])[0]


__all__ = [
    'QuickGELU', 'LayerNormFP32', 'ConvEmbed', 'Mlp',
    'MixedAttention', 'MixFormerBlock', 'MixFormerStage'
]
