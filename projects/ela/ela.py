"""Efficient Local Attention (ELA).

Xu and Wan, "ELA: Efficient Local Attention for Deep Convolutional Neural
Networks", arXiv:2403.01123 (2024).

For X of shape (B, C, H, W), ELA averages X along W and along H into two
strips, passes each through the *same* 1-D convolution (no bias) and the
*same* GroupNorm, and multiplies X by the sigmoid of both::

    Y = X * sigmoid(GN(conv1d(mean_W X))) * sigmoid(GN(conv1d(mean_H X)))

There is no channel reduction and no concatenation of the strips (unlike
Coordinate Attention). The paper's four variants differ in three settings:

======  ===========  ===========  =========
variant  kernel       conv groups  GN groups
======  ===========  ===========  =========
T       5            C            32
B       7            C            16
S       5            C / 8        16
L       7            C / 8        16
======  ===========  ===========  =========
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.registry import MODELS

#: variant -> (kernel size, channels per conv group, GroupNorm groups)
ELA_VARIANTS = {
    'T': (5, 1, 32),
    'B': (7, 1, 16),
    'S': (5, 8, 16),
    'L': (7, 8, 16),
}


@MODELS.register_module()
class ELA(BaseModule):
    """Efficient Local Attention (arXiv:2403.01123).

    Usable alone or as an mmdet ResNet plugin (it takes ``in_channels``,
    and its output has the input's shape), e.g.
    ``plugins=[dict(cfg=dict(type='ELA', variant='B'),
    stages=(False, True, True, True), position='after_conv2')]``.

    Args:
        in_channels (int): Channels C.
        variant (str): ``'T'``, ``'B'``, ``'S'`` or ``'L'`` (table in the
            module docstring).
        kernel_size (int, optional): Overrides the variant's 1-D kernel.
        channels_per_group (int, optional): Overrides the variant's
            channels per conv group (1 = depthwise, 8 = C/8 groups).
        gn_groups (int, optional): Overrides the variant's GroupNorm groups.
        residual (bool): Return ``X + ELA(X)`` instead of ``ELA(X)``, as
            the author's DeepLab / YOLOF code wraps it. Default False (the
            paper's formula).
        init_cfg (dict, optional): mmengine init config.
    """
    _abbr_ = 'ela'

    def __init__(self,
                 in_channels: int,
                 variant: str = 'B',
                 kernel_size: Optional[int] = None,
                 channels_per_group: Optional[int] = None,
                 gn_groups: Optional[int] = None,
                 residual: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if variant not in ELA_VARIANTS:
            raise ValueError(f'ELA: unknown variant {variant!r}; choose one '
                             f'of {sorted(ELA_VARIANTS)}.')
        k, per_group, groups_gn = ELA_VARIANTS[variant]
        k = kernel_size or k
        per_group = channels_per_group or per_group
        groups_gn = gn_groups or groups_gn
        name = f'ELA-{variant}'
        if in_channels % per_group:
            raise ValueError(
                f'{name}: in_channels={in_channels} is not divisible by '
                f'{per_group} channels per conv group; use a variant with '
                f'depthwise convs (T or B) or set channels_per_group.')
        if in_channels % groups_gn:
            hint = ('ELA-B/S/L (16 groups)' if groups_gn == 32 else
                    'another gn_groups value')
            raise ValueError(
                f'{name}: in_channels={in_channels} is not divisible by its '
                f'{groups_gn} GroupNorm groups; use {hint} or set gn_groups '
                f'to a divisor of {in_channels}.')
        if k % 2 == 0:
            raise ValueError(f'{name}: kernel_size must be odd, got {k}.')
        self.in_channels = in_channels
        self.variant = variant
        self.residual = residual
        self.conv = nn.Conv1d(
            in_channels,
            in_channels,
            k,
            padding=k // 2,
            groups=in_channels // per_group,
            bias=False)
        self.gn = nn.GroupNorm(groups_gn, in_channels)

    def _strip_attention(self, strip: Tensor) -> Tensor:
        return torch.sigmoid(self.gn(self.conv(strip)))

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): (B, C, H, W). Returns: (B, C, H, W)."""
        attn_h = self._strip_attention(x.mean(dim=3))  # (B, C, H)
        attn_w = self._strip_attention(x.mean(dim=2))  # (B, C, W)
        out = x * attn_h.unsqueeze(3) * attn_w.unsqueeze(2)
        return x + out if self.residual else out

    def extra_repr(self) -> str:
        return f'variant={self.variant!r}, residual={self.residual}'
