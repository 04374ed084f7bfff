"""BiFormer (CVPR 2023) backbone for MMDetection 3.x."""
from .biformer import BiFormer
from .biformer_layers import AttentionLePE, BiFormerBlock, LayerNorm2d
from .bra import (BiLevelRoutingAttention, routed_attention_reference,
                  routed_attention_streaming)
from .checkpoint import convert_official_biformer, is_official_biformer

__all__ = [
    'BiFormer', 'BiFormerBlock', 'AttentionLePE', 'LayerNorm2d',
    'BiLevelRoutingAttention', 'routed_attention_reference',
    'routed_attention_streaming', 'convert_official_biformer',
    'is_official_biformer'
]
