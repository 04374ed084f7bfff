"""Layers of Plain-DETR: the stride-16 upsampling of the backbone output,
the proposal pyramid synthesised from the single map, the pre-norm
decoder with global BoxRPB cross-attention, and the unnormalised sine
encoding of the re-parameterised recipe.

Lin et al., `DETR Doesn't Need Multi-Scale or Locality Design
<https://arxiv.org/abs/2308.01904>`_ (ICCV 2023); official code
https://github.com/impiga/Plain-DETR (``models/backbone.py``,
``models/transformer.py``, ``models/global_rpe_decomp_decoder.py``).
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks.transformer import FFN, MultiheadAttention
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.models.layers import SinePositionalEncoding, inverse_sigmoid
from mmdet.registry import MODELS
from projects.common.models import sine_encoding, use_fused_attention
from .box_reparam import delta2cxcywh
from .box_rpb import BoxRPBCrossAttention


class LayerNorm2d(nn.Module):
    """LayerNorm over the channels of an NCHW map (official
    ``LayerNorm2D``: the norm is the child ``ln``, eps 1e-5)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.ln(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


@MODELS.register_module()
class UnnormalizedSinePositionalEncoding(SinePositionalEncoding):
    """Sine encoding of the map position in cells, not normalised by the
    image size (official ``sine_unnorm``, used with the box
    re-parameterisation): row r and column c (counted from 1 over the
    valid cells) are encoded as ``(r + offset) * scale``.

    mmdet's ``SinePositionalEncoding(normalize=False)`` applies neither the
    offset nor the scale, hence this class.

    Args:
        num_feats (int): Channels per axis (128).
        temperature (int): Frequency base (10000).
        normalize (bool): Must be False (accepted so that a config can
            switch ``type`` over a normalised encoding's settings).
        offset (float): Added to the counts (-0.5).
        scale (float): Multiplier (2 pi).
    """

    def __init__(self, num_feats: int, temperature: int = 10000,
                 normalize: bool = False, offset: float = -0.5,
                 scale: float = 2 * math.pi,
                 init_cfg: Optional[dict] = None) -> None:
        if normalize:
            raise ValueError('UnnormalizedSinePositionalEncoding: set '
                             'normalize=False (for the normalised encoding '
                             'use SinePositionalEncoding).')
        super().__init__(num_feats, temperature=temperature, normalize=False,
                         scale=scale, offset=offset, init_cfg=init_cfg)

    def forward(self, mask: Optional[Tensor],
                input: Optional[Tensor] = None) -> Tensor:
        """Args:
            mask (Tensor, optional): (B, h, w), True = padding; None for an
                unpadded batch, whose shape ``input`` (B, C, h, w) gives.

        Returns:
            Tensor: (B, 2 * num_feats, h, w), rows' channels first.
        """
        if mask is None:
            b, _, h, w = input.shape
            mask = torch.zeros(b, h, w, dtype=torch.bool,
                               device=input.device)
        valid = ~mask.bool()
        rows = valid.cumsum(1, dtype=torch.float32) + self.offset
        cols = valid.cumsum(2, dtype=torch.float32) + self.offset
        pos = sine_encoding(torch.stack([rows, cols], -1), self.num_feats,
                            self.temperature, self.scale)
        return pos.permute(0, 3, 1, 2)


@MODELS.register_module()
class TransposedConvUpsample(BaseModule):
    """Neck step that upsamples the last backbone map by 2 with a
    ConvTranspose2d(k 2, s 2) halving the channels (official
    ``UpSampleWrapper`` for a stride-32 backbone and upsample stride 16).

    Args:
        in_channels (int): Channels of the backbone map (2048 for R-50,
            768 for Swin-V2-S).
    """

    def __init__(self, in_channels: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.upsample = nn.ConvTranspose2d(
            in_channels, in_channels // 2, kernel_size=2, stride=2)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor]:
        if len(inputs) != 1:
            raise ValueError(f'TransposedConvUpsample takes the last backbone '
                             f'map only (out_indices=(3, )), got '
                             f'{len(inputs)} maps.')
        return (self.upsample(inputs[0]), )


class ProposalPyramid(nn.Module):
    """The 4-level token pyramid of the two-stage proposals, made from the
    single stride-``in_stride`` memory (official ``enc_output_proj`` and
    ``expand_encoder_output``): a ConvTranspose2d(2, 2) per halving of the
    stride, identity at ``in_stride``, and Conv2d(2, 2) per doubling with
    LayerNorm2d + GELU between consecutive ones. Padding masks follow by
    nearest interpolation.

    Args:
        embed_dims (int): Channels of the memory.
        in_stride (int): Stride of the memory (16).
        strides (Sequence[int]): Target strides (8, 16, 32, 64).
    """

    def __init__(self, embed_dims: int = 256, in_stride: int = 16,
                 strides: Sequence[int] = (8, 16, 32, 64)) -> None:
        super().__init__()
        self.strides = tuple(strides)
        branches = []
        for stride in self.strides:
            steps = int(round(math.log2(stride / in_stride)))
            ratio = max(stride, in_stride) / min(stride, in_stride)
            if 2**abs(steps) != ratio:
                raise ValueError(f'ProposalPyramid: stride {stride} is not '
                                 f'{in_stride} times a power of 2.')
            conv = nn.Conv2d if steps > 0 else nn.ConvTranspose2d
            layers: List[nn.Module] = []
            for i in range(abs(steps)):
                if i:
                    layers += [LayerNorm2d(embed_dims), nn.GELU()]
                layers.append(conv(embed_dims, embed_dims, 2, stride=2))
            branches.append(nn.Sequential(*layers) if layers else
                            nn.Identity())
        self.branches = nn.ModuleList(branches)

    def forward(self, memory: Tensor, memory_mask: Optional[Tensor],
                spatial_shape: Tuple[int, int]
                ) -> Tuple[Tensor, Optional[Tensor], Tensor]:
        """Args:
            memory (Tensor): (B, h*w, C).
            memory_mask (Tensor, optional): (B, h*w), True = padding.
            spatial_shape (tuple): (h, w).

        Returns:
            tuple: tokens (B, N, C) of all levels (finest first), their
            mask (B, N) or None, and the spatial shapes (levels, 2).
        """
        b, _, c = memory.shape
        h, w = int(spatial_shape[0]), int(spatial_shape[1])
        x = memory.transpose(1, 2).reshape(b, c, h, w)
        mask = None if memory_mask is None else memory_mask.view(b, h, w)
        tokens, masks, shapes = [], [], []
        for branch in self.branches:
            level = branch(x)
            tokens.append(level.flatten(2).transpose(1, 2))
            shapes.append(level.shape[-2:])
            if mask is not None:
                masks.append(F.interpolate(
                    mask[None].float(), size=level.shape[-2:])[0].bool()
                    .flatten(1))
        return (torch.cat(tokens, 1),
                None if mask is None else torch.cat(masks, 1),
                torch.as_tensor(shapes, dtype=torch.long,
                                device=memory.device))


class PlainDetrTransformerDecoderLayer(BaseModule):
    """Pre-norm decoder layer (official ``GlobalDecoderLayer.forward_pre``):
    ``x += SelfAttn(LN_0(x) + pos)``, ``x += BoxRPBCrossAttn(LN_1(x) +
    pos)``, ``x += FFN(LN_2(x))`` (mmdet's DINO layers are post-norm and
    cross-attend deformably).

    Args:
        self_attn_cfg (dict): mmcv ``MultiheadAttention`` (batch first).
        cross_attn_cfg (dict): :class:`BoxRPBCrossAttention`.
        ffn_cfg (dict): mmcv ``FFN`` (ReLU, 2048).
    """

    def __init__(self, self_attn_cfg: dict, cross_attn_cfg: dict,
                 ffn_cfg: dict, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.self_attn = use_fused_attention(
            MultiheadAttention(**self_attn_cfg))
        self.cross_attn = BoxRPBCrossAttention(**cross_attn_cfg)
        self.ffn = FFN(**ffn_cfg)
        self.embed_dims = self.self_attn.embed_dims
        # official norm2 (self), norm1 (cross), norm3 (FFN), in that order
        self.norms = nn.ModuleList(
            nn.LayerNorm(self.embed_dims) for _ in range(3))

    def forward(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                memory_pos: Tensor, reference_points: Tensor,
                spatial_shape: Tuple[int, int],
                memory_mask: Optional[Tensor] = None,
                self_attn_mask: Optional[Tensor] = None) -> Tensor:
        t = self.norms[0](query)
        query = self.self_attn(query=t, key=t, value=t, identity=query,
                               query_pos=query_pos, key_pos=query_pos,
                               attn_mask=self_attn_mask)
        t = self.norms[1](query)
        query = query + self.cross_attn(
            t + query_pos, memory + memory_pos, memory, reference_points,
            spatial_shape, memory_mask)
        return self.ffn(self.norms[2](query), identity=query)


class PlainDetrTransformerDecoder(BaseModule):
    """Decoder of Plain-DETR: pre-norm layers, a final LayerNorm after every
    layer whose output feeds both the heads and the box refinement, a
    positional query fixed across layers, and look-forward-twice
    references (official ``GlobalDecoder``).

    Args:
        num_layers (int): Decoder layers (6).
        layer_cfg (dict): :class:`PlainDetrTransformerDecoderLayer`.
        reparam (bool): References are pixel boxes refined by decoded
            deltas (box re-parameterisation) instead of normalised boxes
            refined in logit space.
    """

    def __init__(self, num_layers: int, layer_cfg: dict,
                 reparam: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_layers = num_layers
        self.reparam = reparam
        self.layers = nn.ModuleList(
            PlainDetrTransformerDecoderLayer(**layer_cfg)
            for _ in range(num_layers))
        self.embed_dims = self.layers[0].embed_dims
        self.norm = nn.LayerNorm(self.embed_dims)

    def forward(self, query: Tensor, query_pos: Tensor, memory: Tensor,
                memory_pos: Tensor, memory_mask: Optional[Tensor],
                reference_points: Tensor, spatial_shape: Tuple[int, int],
                valid_ratios: Tensor, reg_branches: nn.ModuleList,
                self_attn_mask: Optional[Tensor] = None,
                max_shape: Optional[Tensor] = None
                ) -> Tuple[Tensor, List[Tensor]]:
        """Args:
            reference_points (Tensor): (B, Nq, 4) cxcywh, normalised to the
                valid image, or pixels with ``reparam``.
            max_shape (Tensor, optional): (B, 2) valid (H, W) in pixels,
                the bound of the decoded boxes with ``reparam``.

        Returns:
            tuple: normalised hidden states of every layer (L, B, Nq, C)
            and the refined references of every layer, not detached
            (look forward twice); the next layer gets them detached.
        """
        hidden, references = [], []
        scale = torch.cat([valid_ratios, valid_ratios], -1)  # (B, 1, 4)
        for lid, layer in enumerate(self.layers):
            # reparam: the pixel boxes go to BoxRPB as they are
            query = layer(query, query_pos, memory, memory_pos,
                          reference_points if self.reparam else
                          reference_points * scale, spatial_shape,
                          memory_mask, self_attn_mask)
            out = self.norm(query)
            # Plain-DETR: refinement reads the normalised output
            delta = reg_branches[lid](out)
            if self.reparam:
                new_reference = delta2cxcywh(reference_points, delta,
                                             max_shape)
            else:
                new_reference = (delta +
                                 inverse_sigmoid(reference_points)).sigmoid()
            hidden.append(out)
            references.append(new_reference)
            reference_points = new_reference.detach()
        return torch.stack(hidden), references
