"""Single-object-tracking (SOT) datasets.

One parser module per benchmark family returns plain video records (see
:mod:`.checks` for the record and its conventions); the mmengine datasets of
:mod:`.sot_dataset` index them by video or by frame. Dataset types:
``LaSOTDataset`` (:mod:`.lasot`), ``GOT10kDataset`` (:mod:`.got10k`),
``TrackingNetDataset`` (:mod:`.trackingnet`), ``OTBDataset`` (:mod:`.otb`),
``VOTDataset`` (:mod:`.vot`), ``ToySOTDataset`` (:mod:`.toy_video`),
``SOTCocoDataset`` (:mod:`.coco_sot`), and ``BaseSOTDataset`` taking any of
them by ``dataset_type`` (:data:`LOADERS`). ``SOTVideoSampler`` gives each
test process whole videos.

Boxes are ``(x, y, w, h)`` pixels everywhere in SOT: in the records, in the
frame dicts the datasets return, in the tracker's predictions and in the
metric, as in the benchmarks' annotation and result files.
"""
from projects.common.utils.image_files import list_images
from .checks import make_record, parse_boxes, polygon_to_xywh
from .coco_sot import load_coco_sot
from .got10k import load_got10k
from .lasot import load_lasot
from .loaders import LOADERS
from .otb import load_otb
from .sot_dataset import (BaseSOTDataset, GOT10kDataset, LaSOTDataset,
                          OTBDataset, SOTCocoDataset, ToySOTDataset,
                          TrackingNetDataset, VOTDataset)
from .sot_video_sampler import SOTVideoSampler
from .toy_video import load_toy_video
from .trackingnet import load_trackingnet
from .vot import load_vot

__all__ = [
    'load_lasot', 'load_got10k', 'load_trackingnet', 'load_otb', 'load_vot',
    'load_toy_video', 'load_coco_sot', 'LOADERS', 'list_images',
    'make_record', 'parse_boxes', 'polygon_to_xywh', 'BaseSOTDataset',
    'LaSOTDataset', 'GOT10kDataset', 'TrackingNetDataset', 'OTBDataset',
    'VOTDataset', 'ToySOTDataset', 'SOTCocoDataset', 'SOTVideoSampler'
]
