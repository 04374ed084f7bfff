"""FeatEnHancer: a learned low-light enhancer of the normalised image.

Hashmi et al., `FeatEnHancer: Enhancing Hierarchical Features for Object
Detection and Beyond Under Low-Light Vision
<https://arxiv.org/abs/2308.03594>`_ (ICCV 2023); the code followed is
khurramHashmi/FeatEnHancer at 4205b96 (``feat_enhancer.py``, the version
whose scale-aware fusion is a registered 24-channel sub-module). The module
is trained by the detector's loss alone.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.registry import MODELS

#: smallest input side: the quarter scale (7x7 / 4) must leave a 3x3 map
#: for the eighth-scale convolutions (3x3 / 2)
MIN_SIDE = 15


def _upsample(x: Tensor, size: Tuple[int, int]) -> Tensor:
    """Bilinear upsampling with aligned corners (``nn.UpsamplingBilinear2d``,
    as officially)."""
    return F.interpolate(x, size=size, mode='bilinear', align_corners=True)


class ScaleAwareFusion(nn.Module):
    """Attention between two scales of the enhancement features (the
    official ``ScaleAwareFeatureAggregation``).

    The full-scale map is brought to the eighth scale by a 7x7/4 and a
    3x3/2 convolution (the query), the quarter-scale map by a 3x3/2
    convolution (the key). At every pixel, each of the ``num_heads`` groups
    of channels weighs the two maps by a softmax over their dot products
    with the key (scaled by the square root of the group width); the
    weighted sum, upsampled bilinearly (aligned corners) to the full scale,
    is added to the full-scale map. No value or output projection.

    Args:
        channels (int): Channels of both maps.
        num_heads (int): Channel groups (``channels`` must divide).
    """

    def __init__(self, channels: int = 24, num_heads: int = 8) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'channels ({channels}) must be a multiple of '
                             f'num_heads ({num_heads})')
        self.num_heads = num_heads
        self.query_conv1 = nn.Conv2d(channels, channels, 7, stride=4)
        self.query_conv2 = nn.Conv2d(channels, channels, 3, stride=2)
        self.key_conv = nn.Conv2d(channels, channels, 3, stride=2)

    def fuse(self, query: Tensor, key: Tensor) -> Tensor:
        """Softmax-weighted sum of ``query`` and ``key`` (b, c, h, w), per
        head and pixel, by their dot products with ``key``."""
        b, c, h, w = key.shape
        tokens = torch.stack([query, key], 1)  # (b, 2, c, h, w)
        heads = tokens.view(b, 2, self.num_heads, c // self.num_heads, h, w)
        logits = (heads * heads[:, 1:]).sum(3, keepdim=True) / \
            (c / self.num_heads)**0.5
        weights = logits.softmax(dim=1).expand_as(heads).reshape(
            b, 2, c, h, w)
        return (tokens * weights).sum(1)

    def forward(self, full: Tensor, quarter: Tensor) -> Tensor:
        """(b, c, H, W) full scale, (b, c, H/4, W/4) quarter scale ->
        (b, c, H, W)."""
        query = self.query_conv2(self.query_conv1(full))
        key = self.key_conv(quarter)
        return full + _upsample(self.fuse(query, key), full.shape[-2:])


@MODELS.register_module()
class FeatEnHancer(BaseModule):
    """Enhances the normalised, padded image batch before the backbone.

    1. Two learned stride convolutions give the quarter (7x7/4) and eighth
       (3x3/2 of the quarter) scales of the image.
    2. One 7-layer, 32-channel enhancement network (Zero-DCE-like, skip
       concatenations), its weights shared by the three scales, gives 24
       channels per scale (the eighth scale without the final ReLU).
    3. :class:`ScaleAwareFusion` adds the quarter scale to the full scale.
    4. The eighth scale, upsampled, joins by concatenation and a 3x3
       convolution (no activation).
    5. A 3x3 convolution to 24 channels and tanh give eight 3-channel maps,
       all added to the input: ``out = x + sum of the eight maps``.

    139,400 parameters. Convolution weights are drawn from N(0, 0.02),
    biases keep PyTorch's default (the official ``weights_init``). Any
    input of at least 15x15 pixels works, odd sizes included.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        hidden_channels (int): Width of the enhancement network.
            Defaults to 32.
        out_channels (int): Channels of its output and of the fusion; must
            be a multiple of ``in_channels``. Defaults to 24.
        num_heads (int): Heads of the fusion. Defaults to 8.
        init_cfg (dict, optional): mmengine initialisation instead of the
            official one (N(0, 0.02) convolution weights, default biases).
    """

    def __init__(self,
                 in_channels: int = 3,
                 hidden_channels: int = 32,
                 out_channels: int = 24,
                 num_heads: int = 8,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if out_channels % in_channels:
            raise ValueError(f'out_channels ({out_channels}) must be a '
                             f'multiple of in_channels ({in_channels})')
        self.in_channels = in_channels
        ch = hidden_channels

        def conv(cin, cout):
            return nn.Conv2d(cin, cout, 3, 1, 1)

        self.e_conv1 = conv(in_channels, ch)
        self.e_conv2 = conv(ch, ch)
        self.e_conv3 = conv(ch, ch)
        self.e_conv4 = conv(ch, ch)
        self.e_conv5 = conv(2 * ch, ch)
        self.e_conv6 = conv(2 * ch, ch)
        self.e_conv7 = conv(2 * ch, out_channels)
        self.ue_conv8 = conv(2 * out_channels, ch)
        self.ue_conv9 = conv(ch, out_channels)
        self.quarter_conv = nn.Conv2d(in_channels, in_channels, 7, 4)
        self.hexa_conv = nn.Conv2d(in_channels, in_channels, 3, 2)
        self.scale_aware_aggregation = ScaleAwareFusion(out_channels,
                                                        num_heads)

    def init_weights(self) -> None:
        """The official initialisation (every convolution weight from
        N(0, 0.02), biases as PyTorch makes them), unless ``init_cfg``."""
        if self.init_cfg is not None:
            return super().init_weights()
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, 0.0, 0.02)
        self._is_init = True

    def enhance(self, x: Tensor, last_relu: bool = True) -> Tensor:
        """The shared enhancement network on one scale."""
        x1 = F.relu(self.e_conv1(x))
        x2 = F.relu(self.e_conv2(x1))
        x3 = F.relu(self.e_conv3(x2))
        x4 = F.relu(self.e_conv4(x3))
        x5 = F.relu(self.e_conv5(torch.cat([x3, x4], 1)))
        x6 = F.relu(self.e_conv6(torch.cat([x2, x5], 1)))
        x7 = self.e_conv7(torch.cat([x1, x6], 1))
        return F.relu(x7) if last_relu else x7

    def forward(self, x: Tensor) -> Tensor:
        """(b, in_channels, H, W) normalised images -> the same shape."""
        h, w = x.shape[-2:]
        if min(h, w) < MIN_SIDE:
            raise ValueError(f'FeatEnHancer needs images of at least '
                             f'{MIN_SIDE}x{MIN_SIDE} pixels, got {h}x{w}')
        quarter = self.quarter_conv(x)
        eighth = self.hexa_conv(quarter)
        full = self.scale_aware_aggregation(
            self.enhance(x), self.enhance(quarter))
        # the official eighth scale has no final ReLU
        eighth = _upsample(self.enhance(eighth, last_relu=False), (h, w))
        fused = self.ue_conv8(torch.cat([full, eighth], 1))
        maps = torch.tanh(self.ue_conv9(fused)).split(self.in_channels, 1)
        for curve in maps:  # added one by one, as officially
            x = x + curve
        return x
