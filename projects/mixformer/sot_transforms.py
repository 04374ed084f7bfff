"""Packing of single-object-tracking test frames (one frame per sample)."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from mmdet.registry import TRANSFORMS

META_KEYS = ('video_id', 'video_name', 'frame_id', 'video_length', 'img_path',
             'ori_shape')
FIELD_KEYS = ('gt_bbox', 'init_bbox', 'visible', 'cover')


@TRANSFORMS.register_module()
class PackSOTInputs(BaseTransform):
    """Pack a loaded frame as ``inputs`` (3, H, W) uint8 tensor (the
    loader's channel order) and a data sample carrying the video / frame
    meta information (``video_id``, ``video_name``, ``frame_id``,
    ``video_length``, ``img_path``, ``ori_shape``) and the fields
    ``gt_bbox`` and ``init_bbox`` (x, y, w, h), ``visible``,
    ``cover``, which :class:`MixFormer` and ``SOTMetric`` read."""

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None].repeat(3, axis=2)
        results.setdefault('ori_shape', img.shape[:2])
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0,
                                                                     1)))
        sample = BaseDataElement(
            metainfo={k: results[k] for k in META_KEYS if k in results})
        for key in FIELD_KEYS:
            if key in results:
                sample.set_field(results[key], key)
        return dict(inputs=inputs, data_samples=sample)
