"""The transformer parts of a DINO-style detector, built from its config.

:meth:`mmdet.models.DINO._init_layers` hard-codes mmdet's encoder and
decoder classes; a method that changes one of them builds the same parts
with its own classes through :func:`init_dino_layers`.
"""
from typing import Type

import torch
from torch import nn

from mmdet.models.layers import SinePositionalEncoding
from .ms_deform_attn import use_auto_msda


def init_dino_layers(detector: nn.Module, encoder_cls: Type[nn.Module],
                     decoder_cls: Type[nn.Module]) -> None:
    """What ``DINO._init_layers`` builds, with these encoder / decoder
    classes: the positional encoding, encoder and decoder from the
    detector's config dicts (their deformable attention runs the compiled
    kernel where it exists, PyTorch otherwise), the content queries, the
    level embedding and the proposal projection ``memory_trans_fc`` /
    ``memory_trans_norm``.

    Raises:
        ValueError: when the positional encoding is not half as wide as
            the transformer.
    """
    detector.positional_encoding = SinePositionalEncoding(
        **detector.positional_encoding)
    detector.encoder = use_auto_msda(encoder_cls(**detector.encoder))
    detector.decoder = use_auto_msda(decoder_cls(**detector.decoder))
    dims = detector.embed_dims = detector.encoder.embed_dims
    if detector.positional_encoding.num_feats * 2 != dims:
        raise ValueError('positional_encoding.num_feats must be half of '
                         f'embed_dims ({dims})')
    detector.query_embedding = nn.Embedding(detector.num_queries, dims)
    detector.level_embed = nn.Parameter(
        torch.Tensor(detector.num_feature_levels, dims))
    detector.memory_trans_fc = nn.Linear(dims, dims)
    detector.memory_trans_norm = nn.LayerNorm(dims)
