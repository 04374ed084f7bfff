"""Datasets and transforms shared by every method.

Detection (COCO format): ``StrictCocoDataset`` (a CocoDataset that refuses
classes missing from the file), ``PIDrayDataset``, ``ExDarkDataset``,
``ToyShapesDataset``. Single-object tracking (:mod:`.sot`):
``LaSOTDataset``, ``GOT10kDataset``, ``TrackingNetDataset``,
``OTBDataset``, ``VOTDataset``, ``ToySOTDataset``, ``SOTCocoDataset``,
``BaseSOTDataset``. Transforms: ``SafeLoadImageFromFile``.
"""
from .exdark import EXDARK_LIGHTING, ExDarkDataset
from .pidray import PIDRAY_SUBSETS, PIDrayDataset
from .sot import (BaseSOTDataset, GOT10kDataset, LaSOTDataset, OTBDataset,
                  SOTCocoDataset, ToySOTDataset, TrackingNetDataset,
                  VOTDataset)
from .strict_coco import StrictCocoDataset
from .toy_shapes import TOY_CLASSES, ToyShapesDataset
from .transforms import CorruptImageError, SafeLoadImageFromFile

__all__ = [
    'StrictCocoDataset', 'PIDrayDataset', 'PIDRAY_SUBSETS', 'ExDarkDataset',
    'EXDARK_LIGHTING', 'ToyShapesDataset', 'TOY_CLASSES',
    'SafeLoadImageFromFile', 'CorruptImageError', 'BaseSOTDataset',
    'LaSOTDataset', 'GOT10kDataset', 'TrackingNetDataset', 'OTBDataset',
    'VOTDataset', 'ToySOTDataset', 'SOTCocoDataset'
]
