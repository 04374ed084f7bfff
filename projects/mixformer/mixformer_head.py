"""Heads of MixFormer (Cui et al., CVPR 2022, arXiv:2203.11082): the
corner head and the score prediction module (SPM)."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn
from torchvision.ops import FrozenBatchNorm2d

from mmdet.models.layers import MLP
from mmdet.registry import MODELS
from .prroi_pool import prroi_pool


def _conv_bn_relu(cin: int, cout: int, frozen_bn: bool) -> nn.Sequential:
    bn = FrozenBatchNorm2d(cout) if frozen_bn else nn.BatchNorm2d(cout)
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), bn,
                         nn.ReLU(inplace=True))


@MODELS.register_module()
class MixFormerCornerHead(BaseModule):
    """Corner head: two conv towers score the top-left and bottom-right
    corners; a soft-argmax over each score map gives the expected corner.

    The coordinate grid is ``index * stride`` (no half-cell offset), so the
    normalised output lies in ``[0, (feat_size - 1) / feat_size]`` (0.95 for
    20 x 20), as the official head.

    Args:
        in_channels (int): Channels of the search map (384; 1024 for L).
        channels (int): Width of the first conv (halved three times).
        feat_size (int): Side of the search map (search size / 16).
        stride (int): Search-image pixels per map cell.
        frozen_bn (bool): Frozen BatchNorms (the online / SPM model).

    Returns (forward): (B, 4) normalised (x1, y1, x2, y2).
    """

    def __init__(self, in_channels: int = 384, channels: int = 384,
                 feat_size: int = 20, stride: int = 16,
                 frozen_bn: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.feat_size = feat_size
        self.stride = stride
        widths = [in_channels, channels, channels // 2, channels // 4,
                  channels // 8]
        for corner in ('tl', 'br'):
            for k in range(4):
                setattr(self, f'conv{k + 1}_{corner}',
                        _conv_bn_relu(widths[k], widths[k + 1], frozen_bn))
            setattr(self, f'conv5_{corner}', nn.Conv2d(widths[4], 1, 1))
        grid = torch.arange(feat_size, dtype=torch.float32) * stride
        # persistent=False: not part of the (official) state dict
        self.register_buffer(
            'coord_x', grid.repeat(feat_size), persistent=False)
        self.register_buffer(
            'coord_y', grid.repeat_interleave(feat_size), persistent=False)

    def score_map(self, x: Tensor, corner: str) -> Tensor:
        for k in range(1, 6):
            x = getattr(self, f'conv{k}_{corner}')(x)
        return x

    def soft_argmax(self, score_map: Tensor) -> Tensor:
        """(B, 1, S, S) scores -> (B, 2) expected (x, y) in pixels."""
        prob = score_map.flatten(1).softmax(dim=1)
        return torch.stack([(prob * self.coord_x).sum(1),
                            (prob * self.coord_y).sum(1)], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.feat_size or x.shape[-2] != self.feat_size:
            raise ValueError(
                f'MixFormerCornerHead: expected a '
                f'{self.feat_size}x{self.feat_size} '
                f'search map, got {tuple(x.shape[-2:])}; set feat_size to '
                f'search size / {self.stride}.')
        tl = self.soft_argmax(self.score_map(x, 'tl'))
        br = self.soft_argmax(self.score_map(x, 'br'))
        return torch.cat([tl, br], dim=1) / (self.feat_size * self.stride)


@MODELS.register_module()
class MixFormerScoreDecoder(BaseModule):
    """Score prediction module: a learned score token attends to the
    precise-RoI-pooled search features of the box (4 x 4 tokens), then to
    the static template's tokens; an MLP gives the confidence logit.

    Each of the two cross-attention steps is ``norm2[i](proj[i](attn))``
    with no residual and no FFN, scale ``hidden_dim ** -0.5`` (full width),
    as the official module.

    Args:
        hidden_dim (int): Feature width (384; 1024 for L).
        num_heads (int): ``hidden_dim // 64`` officially.
        pool_size (int): RoI pooling output side.
        num_layers (int): Layers of the score MLP.
    """

    def __init__(self, hidden_dim: int = 384, num_heads: int = 6,
                 pool_size: int = 4, num_layers: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_heads = num_heads
        self.pool_size = pool_size
        self.scale = hidden_dim**-0.5
        self.score_token = nn.Parameter(torch.zeros(1, 1, hidden_dim))
        self.norm1 = nn.LayerNorm(hidden_dim)
        for name in ('proj_q', 'proj_k', 'proj_v', 'proj'):
            setattr(self, name, nn.ModuleList(
                nn.Linear(hidden_dim, hidden_dim) for _ in range(2)))
        self.norm2 = nn.ModuleList(nn.LayerNorm(hidden_dim) for _ in range(2))
        # the official head.MLP: num_layers linears, ReLU between
        self.score_head = MLP(hidden_dim, hidden_dim, 1, num_layers)

    def init_weights(self) -> None:
        super().init_weights()
        trunc_normal_(self.score_token, std=0.02)

    def _heads(self, x: Tensor) -> Tensor:
        return x.unflatten(-1, (self.num_heads, -1)).transpose(1, 2)

    def forward(self, search_feat: Tensor, template_feat: Tensor,
                boxes: Tensor) -> Tensor:
        """Args:
            search_feat (Tensor): (B, C, S, S).
            template_feat (Tensor): (B or 1, C, t, t).
            boxes (Tensor): (B, 4) normalised (x1, y1, x2, y2) in the
                search crop.

        Returns:
            Tensor: (B, ) logits.
        """
        b, _, _, w = search_feat.shape
        index = torch.arange(b, dtype=boxes.dtype, device=boxes.device)
        rois = torch.cat([index[:, None], boxes.reshape(-1, 4) * w], dim=1)
        pooled = prroi_pool(search_feat, rois, self.pool_size, 1.0)
        memories = [pooled.flatten(2).transpose(1, 2),
                    template_feat.flatten(2).transpose(1, 2).expand(
                        b, -1, -1)]
        x = self.norm1(self.score_token.expand(b, -1, -1))
        for i, memory in enumerate(memories):
            q = self._heads(self.proj_q[i](x))
            k = self._heads(self.proj_k[i](memory))
            v = self._heads(self.proj_v[i](memory))
            attn = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
            x = (attn @ v).transpose(1, 2).flatten(2)
            x = self.norm2[i](self.proj[i](x))
        return self.score_head(x).view(-1)
