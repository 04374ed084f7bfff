"""Datasets (COCO format) and transforms shared by every method."""
from .exdark import EXDARK_LIGHTING, ExDarkDataset
from .pidray import PIDRAY_SUBSETS, PIDrayDataset
from .strict_coco import StrictCocoDataset
from .toy_shapes import TOY_CLASSES, ToyShapesDataset
from .transforms import CorruptImageError, SafeLoadImageFromFile

__all__ = [
    'StrictCocoDataset', 'PIDrayDataset', 'PIDRAY_SUBSETS', 'ExDarkDataset',
    'EXDARK_LIGHTING', 'ToyShapesDataset', 'TOY_CLASSES',
    'SafeLoadImageFromFile', 'CorruptImageError'
]
