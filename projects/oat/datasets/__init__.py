from .amazon import AmazonScanpathDataset, mask_boxes
from .coco_search18 import COCOSearch18Dataset, screen_to_image
from .geometry import (assign_fixations, grid_positions, iou_one_to_many,
                       reading_order, uniform_grid_boxes)
from .object_scanpath import (ObjectScanpathDataset, length_filter,
                              make_trial, split_indices)
from .transforms import LoadObjectCrops, PackScanpathInputs, crop_objects

__all__ = [
    'ObjectScanpathDataset', 'AmazonScanpathDataset', 'COCOSearch18Dataset',
    'LoadObjectCrops', 'PackScanpathInputs', 'crop_objects',
    'assign_fixations', 'grid_positions', 'iou_one_to_many', 'reading_order',
    'uniform_grid_boxes', 'length_filter', 'split_indices', 'make_trial',
    'screen_to_image', 'mask_boxes'
]
