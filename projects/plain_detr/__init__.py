"""Plain-DETR with BoxRPB (ICCV 2023) for MMDetection 3.x."""
from .box_rpb import BoxRPBCrossAttention
from .plain_detr import PlainDETR, hybrid_self_attn_mask
from .plain_detr_head import PlainDETRHead
from .plain_detr_layers import (PlainDetrTransformerDecoder,
                                PlainDetrTransformerDecoderLayer,
                                ProposalPyramid, TransposedConvUpsample)

__all__ = [
    'BoxRPBCrossAttention', 'PlainDETR', 'PlainDETRHead',
    'PlainDetrTransformerDecoder', 'PlainDetrTransformerDecoderLayer',
    'ProposalPyramid', 'TransposedConvUpsample', 'hybrid_self_attn_mask'
]
