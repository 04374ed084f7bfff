"""Data transforms of the scanpath datasets."""
from typing import Sequence

import cv2
import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from mmdet.registry import TRANSFORMS


def crop_objects(image: np.ndarray, boxes: np.ndarray,
                 crop_size: Sequence[int]) -> np.ndarray:
    """Each box of ``image`` (x1, y1, x2, y2, clipped to the image, at
    least 1 px) resized to ``crop_size`` = (height, width) with bilinear
    interpolation, as OAT's ``cv.resize``: (N, H, W, C) uint8."""
    h, w = image.shape[:2]
    out = np.empty((len(boxes), crop_size[0], crop_size[1], image.shape[2]),
                   np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, float)):
        x1 = int(np.clip(np.floor(x1), 0, w - 1))
        y1 = int(np.clip(np.floor(y1), 0, h - 1))
        x2 = int(np.clip(np.ceil(x2), x1 + 1, w))
        y2 = int(np.clip(np.ceil(y2), y1 + 1, h))
        out[i] = cv2.resize(image[y1:y2, x1:x2], (crop_size[1], crop_size[0]))
    return out


@TRANSFORMS.register_module()
class LoadObjectCrops(BaseTransform):
    """Read ``img_path`` (BGR) and crop every object box.

    Adds ``crops`` (N, H, W, 3) uint8 and ``ori_shape``.

    Args:
        crop_size (tuple): (height, width); OAT's is (150, 93).
    """

    def __init__(self, crop_size: Sequence[int] = (150, 93)):
        self.crop_size = tuple(crop_size)

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        try:
            image = mmcv.imread(path)
        except (OSError, FileNotFoundError, ValueError) as err:
            raise FileNotFoundError(f'LoadObjectCrops: cannot read image '
                                    f'{path} ({err})') from err
        if image is None:
            raise FileNotFoundError(f'LoadObjectCrops: cannot read image '
                                    f'{path}')
        results['crops'] = crop_objects(image, results['boxes'],
                                        self.crop_size)
        results['ori_shape'] = image.shape[:2]
        return results


@TRANSFORMS.register_module()
class PackScanpathInputs(BaseTransform):
    """``inputs``: the crops as (N, 3, H, W) uint8; ``data_samples``: a
    data element with the positions, target, layout, boxes, the human
    scanpath (``gt_scanpath``) and fixations (``gt_fixations``)."""
    FIELDS = ('positions', 'target', 'layout', 'boxes')
    META = ('img_path', 'ori_shape', 'trial_id', 'subject', 'task')

    def transform(self, results: dict) -> dict:
        crops = torch.from_numpy(
            np.ascontiguousarray(results['crops'].transpose(0, 3, 1, 2)))
        sample = BaseDataElement(metainfo={
            k: results[k] for k in self.META if k in results})
        for key in self.FIELDS:
            setattr(sample, key, results[key])
        sample.gt_scanpath = results.get('scanpath')
        if results.get('fixations') is not None:
            sample.gt_fixations = results['fixations']
        return dict(inputs=crops, data_samples=sample)
