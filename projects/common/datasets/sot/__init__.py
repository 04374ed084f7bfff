"""Single-object-tracking datasets: parsers of the official LaSOT,
GOT-10k, TrackingNet, OTB and VOT layouts (and the toy video) returning
plain video records, and mmengine datasets over them."""
from .parsers import (LOADERS, list_images, load_coco_sot, load_got10k,
                      load_lasot,
                      load_otb, load_toy_video, load_trackingnet, load_vot,
                      make_record, parse_boxes, polygon_to_xywh)
from .sot_video_sampler import SOTVideoSampler
from .sot_dataset import (BaseSOTDataset, GOT10kDataset, LaSOTDataset,
                          OTBDataset, SOTCocoDataset, ToySOTDataset,
                          TrackingNetDataset, VOTDataset)

__all__ = [
    'load_lasot', 'load_got10k', 'load_trackingnet', 'load_otb', 'load_vot',
    'load_toy_video', 'LOADERS', 'list_images', 'make_record', 'parse_boxes',
    'polygon_to_xywh', 'BaseSOTDataset', 'LaSOTDataset', 'GOT10kDataset',
    'TrackingNetDataset', 'OTBDataset', 'VOTDataset', 'ToySOTDataset',
    'SOTCocoDataset', 'load_coco_sot', 'SOTVideoSampler'
]
