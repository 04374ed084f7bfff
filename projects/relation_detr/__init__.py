"""Relation-DETR (ECCV 2024) for MMDetection 3.x."""
from .relation_detr import RelationDETR
from .relation_detr_head import RelationDETRHead
from .position_relation import (PositionRelationEmbedding,
                                box_relation_encoding)
from .relation_detr_layers import (RelationDetrTransformerDecoder,
                                   RelationDetrTransformerEncoder)

__all__ = [
    'RelationDETR', 'RelationDETRHead', 'RelationDetrTransformerEncoder',
    'RelationDetrTransformerDecoder', 'PositionRelationEmbedding',
    'box_relation_encoding'
]
