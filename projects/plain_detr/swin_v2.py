"""The Swin-V2 backbone of Plain-DETR's recipes, on mmpretrain's
:class:`mmpretrain.models.SwinTransformerV2`.

Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_ (ICCV 2023); official code
https://github.com/impiga/Plain-DETR (``models/swin_transformer_v2.py``,
``models/backbone.py``: ``swin_v2_small_window16_2global``).

What the official detection Swin-V2 does differently from mmpretrain's,
each fixed here (weights keep mmpretrain's names, so mmpretrain's
checkpoints load as they are):

* the cosine attention divides q and k by ``norm + 5e-5``
  (mmpretrain: ``F.normalize``, ``max(norm, 1e-12)``);
* stochastic depth drops the post-normalised branch,
  ``x + drop_path(norm(f(x)))`` (mmpretrain: ``x + norm(drop_path(f(x)))``,
  which differs in training);
* the blocks listed in ``global_blocks`` attend over the whole map
  (official ``SwinTransformerGlobalBlock``): the continuous position bias
  is computed for the map's size at run time, normalised by the
  pre-training window (8 in the last stage);
* every LayerNorm has eps 1e-6 and small maps are padded to the window
  (``pad_small_map``), as in detection;
* the residual post-norms start at zero when trained from scratch.

The official ``layers.{s}.downsample`` (patch merging) concatenates the
2x2 neighbours in the order (0,0), (1,0), (0,1), (1,1); mmpretrain's
``nn.Unfold`` orders channels as c * 4 + (0,0), (0,1), (1,0), (1,1): the
converter (:mod:`.checkpoint`) permutes the reduction weight.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn.bricks import DropPath
from torch import Tensor, nn

from mmdet.registry import MODELS
from mmpretrain.models.backbones import SwinTransformerV2
from mmpretrain.models.backbones.swin_transformer_v2 import SwinBlockV2
from mmpretrain.models.utils import WindowMSAV2
from projects.common.models import init_linear_and_layernorm

#: added to the q / k norms of the cosine attention (official value)
COSINE_NORM_EPS = 5e-5


def _qkv_heads(attn: nn.Module, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """(B, N, C) -> q, k, v of shape (B, heads, N, C / heads); the key has
    no bias (Swin-V2)."""
    b, n, c = x.shape
    bias = None
    if attn.q_bias is not None:
        bias = torch.cat([attn.q_bias, torch.zeros_like(attn.v_bias),
                          attn.v_bias])
    qkv = F.linear(x, attn.qkv.weight, bias)
    q, k, v = qkv.reshape(b, n, 3, attn.num_heads, -1).permute(2, 0, 3, 1, 4)
    return q, k, v


def cosine_attention(q: Tensor, k: Tensor, v: Tensor, logit_scale: Tensor,
                     bias: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Swin-V2 scaled cosine attention with the official normalisation.

    Args:
        q, k, v (Tensor): (B, heads, N, d).
        logit_scale (Tensor): (heads, 1, 1), log of the scale (<= log 100).
        bias (Tensor): (heads, N, N) raw position bias, used as 16 sigmoid.
        mask (Tensor, optional): (nW, N, N) additive shift-window mask; B
            is then a multiple of nW.

    Returns:
        Tensor: (B, heads, N, d).
    """
    q = q / (q.norm(dim=-1, keepdim=True) + COSINE_NORM_EPS)
    k = k / (k.norm(dim=-1, keepdim=True) + COSINE_NORM_EPS)
    scale = logit_scale.clamp(max=math.log(100.0)).exp()
    attn = (q @ k.transpose(-2, -1)) * scale + 16 * torch.sigmoid(bias)
    if mask is not None:
        b, h, n, _ = attn.shape
        nw = mask.shape[0]
        attn = (attn.view(b // nw, nw, h, n, n) +
                mask[None, :, None]).view(b, h, n, n)
    return attn.softmax(-1) @ v


class CosineWindowMSAV2(WindowMSAV2):
    """mmpretrain's Swin-V2 window attention (same parameters and buffers)
    with the official q / k normalisation."""

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        b, n, c = x.shape
        q, k, v = _qkv_heads(self, x)
        table = self.cpb_mlp(self.relative_coords_table).view(
            -1, self.num_heads)
        bias = table[self.relative_position_index.view(-1)].view(
            n, n, -1).permute(2, 0, 1)
        # attention dropout is 0 in every recipe and not applied here
        out = cosine_attention(q, k, v, self.logit_scale, bias, mask)
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(b, n, c)))


def log_spaced_offsets(h: int, w: int, norm_hw: Tuple[int, int],
                       device=None) -> Tensor:
    """(2h-1, 2w-1, 2) relative offsets (dy, dx) scaled to +-8 by
    ``norm_hw - 1`` and log-spaced: sign(d) log2(|d| + 1) / 3."""
    dy = torch.arange(-(h - 1), h, dtype=torch.float32, device=device)
    dx = torch.arange(-(w - 1), w, dtype=torch.float32, device=device)
    table = torch.stack(torch.meshgrid(dy, dx, indexing='ij'), -1)
    table = table / table.new_tensor([norm_hw[0] - 1, norm_hw[1] - 1]) * 8
    return torch.sign(table) * torch.log2(table.abs() + 1.0) / 3.0


def relative_position_index(h: int, w: int, device=None) -> Tensor:
    """(h*w, h*w) index of each token pair's offset in the flattened
    (2h-1, 2w-1) table."""
    ys, xs = torch.meshgrid(torch.arange(h, device=device),
                            torch.arange(w, device=device), indexing='ij')
    ys, xs = ys.flatten(), xs.flatten()
    dy = ys[:, None] - ys[None] + h - 1
    dx = xs[:, None] - xs[None] + w - 1
    return dy * (2 * w - 1) + dx


class GlobalMSAV2(nn.Module):
    """Swin-V2 attention over the whole map (official ``GlobalAttention``):
    the window attention's parameters, with the position bias table and
    index built for the map's size at every call.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Heads.
        pretrained_window_size (int): Normaliser of the offsets (the map's
            own size when 0).
        cpb_mlp_hidden_dims (int): Hidden width of the bias MLP (512).
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 pretrained_window_size: int = 0,
                 cpb_mlp_hidden_dims: int = 512) -> None:
        super().__init__()
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.pretrained_window_size = pretrained_window_size
        self.logit_scale = nn.Parameter(
            torch.log(10 * torch.ones(num_heads, 1, 1)))
        self.cpb_mlp = nn.Sequential(
            nn.Linear(2, cpb_mlp_hidden_dims), nn.ReLU(inplace=True),
            nn.Linear(cpb_mlp_hidden_dims, num_heads, bias=False))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(embed_dims))
        self.v_bias = nn.Parameter(torch.zeros(embed_dims))
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: Tensor, hw_shape: Tuple[int, int]) -> Tensor:
        b, n, c = x.shape
        h, w = hw_shape
        size = self.pretrained_window_size
        norm_hw = (size, size) if size > 0 else (h, w)
        q, k, v = _qkv_heads(self, x)
        table = self.cpb_mlp(log_spaced_offsets(h, w, norm_hw, x.device))
        table = table.view(-1, self.num_heads)
        bias = table[relative_position_index(h, w, x.device).view(-1)].view(
            n, n, -1).permute(2, 0, 1)
        out = cosine_attention(q, k, v, self.logit_scale, bias)
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


class GlobalMSA(nn.Module):
    """Holds :class:`GlobalMSAV2` as ``w_msa`` so that global and window
    blocks share their key names (``attn.w_msa.*``)."""

    def __init__(self, embed_dims: int, num_heads: int,
                 pretrained_window_size: int = 0) -> None:
        super().__init__()
        self.w_msa = GlobalMSAV2(embed_dims, num_heads,
                                 pretrained_window_size)

    def forward(self, x: Tensor, hw_shape: Tuple[int, int]) -> Tensor:
        return self.w_msa(x, hw_shape)


class PostNormDropPathSwinBlockV2(SwinBlockV2):
    """mmpretrain's Swin-V2 block with the official order
    ``x + drop_path(norm(f(x)))``, the official cosine normalisation, and
    global attention when ``global_attn``.

    Args:
        embed_dims, num_heads, window_size, shift, pad_small_map,
            norm_cfg, with_cp, pretrained_window_size: As
            :class:`mmpretrain.models.backbones.swin_transformer_v2.
            SwinBlockV2`.
        drop_path (float): Stochastic depth of both branches.
        global_attn (bool): Attend over the whole map (no windows).
    """

    def __init__(self, embed_dims: int, num_heads: int, window_size: int,
                 shift: bool, drop_path: float, pad_small_map: bool,
                 norm_cfg: dict, pretrained_window_size: int,
                 global_attn: bool = False, with_cp: bool = False) -> None:
        super().__init__(embed_dims, num_heads, window_size=window_size,
                         shift=shift, drop_path=0.,
                         pad_small_map=pad_small_map, norm_cfg=norm_cfg,
                         with_cp=with_cp,
                         pretrained_window_size=pretrained_window_size)
        if global_attn:
            self.attn = GlobalMSA(embed_dims, num_heads,
                                  pretrained_window_size)
        else:
            self.attn.w_msa = CosineWindowMSAV2(
                embed_dims=embed_dims, num_heads=num_heads,
                window_size=(window_size, window_size),
                pretrained_window_size=(pretrained_window_size,
                                        pretrained_window_size))
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()

    def forward(self, x: Tensor, hw_shape: Tuple[int, int]) -> Tensor:

        def inner(x):
            x = x + self.drop_path(self.norm1(self.attn(x, hw_shape)))
            return x + self.drop_path(self.norm2(self.ffn(x)))

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(inner, x, use_reentrant=False)
        return inner(x)


@MODELS.register_module()
class PlainDETRSwinTransformerV2(SwinTransformerV2):
    """Swin-V2 as Plain-DETR's recipes build it (official
    ``swin_v2_small_window16_2global``: window 16, pre-training windows
    16/16/16/8, both blocks of the last stage global, eps 1e-6).

    Args:
        arch (str | dict): As mmpretrain (``'small'``).
        window_size (int): Window of the local blocks (16).
        drop_path_rate (float): Stochastic depth, linear over the blocks.
        pad_small_map (bool): Pad maps smaller than the window (True).
        pretrained_window_sizes (Sequence[int]): Per stage (16, 16, 16, 8).
        global_blocks (Sequence[Sequence[int]]): Per stage, the blocks that
            attend globally (official ``global_blocks``; ``-1`` = none).
        norm_cfg (dict): Every LayerNorm (eps 1e-6).
        **kwargs: As :class:`mmpretrain.models.SwinTransformerV2`
            (``out_indices``, ``frozen_stages``, ``with_cp``, ``init_cfg``).
    """

    def __init__(self,
                 arch='small',
                 window_size: int = 16,
                 drop_path_rate: float = 0.1,
                 pad_small_map: bool = True,
                 pretrained_window_sizes: Sequence[int] = (16, 16, 16, 8),
                 global_blocks: Sequence[Sequence[int]] = ((), (), (),
                                                           (0, 1)),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 with_cp: bool = False,
                 **kwargs) -> None:
        for key in ('stage_cfgs', 'patch_cfg'):
            if key in kwargs:
                raise ValueError(f'PlainDETRSwinTransformerV2 sets {key} '
                                 f'itself (norm_cfg applies everywhere).')
        super().__init__(
            arch=arch, window_size=window_size, drop_path_rate=drop_path_rate,
            pad_small_map=pad_small_map, with_cp=with_cp,
            pretrained_window_sizes=list(pretrained_window_sizes),
            norm_cfg=norm_cfg, patch_cfg=dict(norm_cfg=norm_cfg),
            stage_cfgs=dict(downsample_cfg=dict(use_post_norm=True,
                                                norm_cfg=norm_cfg)),
            **kwargs)
        if len(global_blocks) != self.num_layers:
            raise ValueError(f'global_blocks needs one list per stage '
                             f'({self.num_layers}), got {global_blocks}.')
        # mmpretrain's stages build their blocks themselves (no block type
        # to configure): each is replaced once here, at construction only
        rates = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        for i, stage in enumerate(self.stages):
            for j in range(len(stage.blocks)):
                stage.blocks[j] = PostNormDropPathSwinBlockV2(
                    embed_dims=stage.out_channels,
                    num_heads=self.num_heads[i],
                    window_size=self.window_sizes[i],
                    shift=j % 2 == 1,
                    drop_path=rates[sum(self.depths[:i]) + j],
                    pad_small_map=pad_small_map,
                    norm_cfg=norm_cfg,
                    pretrained_window_size=pretrained_window_sizes[i],
                    global_attn=j in global_blocks[i],
                    with_cp=with_cp)
        self._freeze_stages()

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """(depth, number of depths) of a parameter for layer-wise lr decay,
        numbered as the official ``get_swin_layer_id``: the patch embedding
        0, block j of stage i ``sum(depths[:i]) + j + 1``, the patch merging
        that opens stage i (officially closing stage i - 1)
        ``sum(depths[:i])``, the output norms (and anything else) last.

        Args:
            param_name (str): Name inside this backbone.
        """
        num_layers = sum(self.depths) + 2
        parts = param_name.split('.')
        if parts[0] == 'patch_embed':
            return 0, num_layers
        if parts[0] == 'stages' and len(parts) > 2:
            stage = int(parts[1])
            before = sum(self.depths[:stage])
            if parts[2] == 'downsample':
                return before, num_layers
            if parts[2] == 'blocks':
                return before + int(parts[3]) + 1, num_layers
        return num_layers - 1, num_layers

    def init_weights(self) -> None:
        """mmpretrain's init (or the pre-trained weights); from scratch, the
        official one: trunc-normal(0.02) linear weights with zero bias,
        unit LayerNorms, and zero residual post-norms."""
        super().init_weights()
        if isinstance(self.init_cfg, dict) and \
                self.init_cfg.get('type') == 'Pretrained':
            return
        init_linear_and_layernorm(self)
        for stage in self.stages:
            for block in stage.blocks:
                for norm in (block.norm1, block.norm2):
                    nn.init.zeros_(norm.weight)
                    nn.init.zeros_(norm.bias)
