"""The SOT layout parsers by dataset type (the ``dataset_type`` of
:class:`~projects.common.datasets.sot.BaseSOTDataset`): type, parser
module, dataset class.

- ``'lasot'``: :mod:`.lasot`, ``LaSOTDataset``
- ``'got10k'``: :mod:`.got10k`, ``GOT10kDataset``
- ``'trackingnet'``: :mod:`.trackingnet`, ``TrackingNetDataset``
- ``'otb'``: :mod:`.otb`, ``OTBDataset``
- ``'vot'``: :mod:`.vot`, ``VOTDataset``
- ``'toy'``: :mod:`.toy_video`, ``ToySOTDataset``
- ``'coco'``: :mod:`.coco_sot`, ``SOTCocoDataset``
"""
from .coco_sot import load_coco_sot
from .got10k import load_got10k
from .lasot import load_lasot
from .otb import load_otb
from .toy_video import load_toy_video
from .trackingnet import load_trackingnet
from .vot import load_vot

LOADERS = dict(lasot=load_lasot, got10k=load_got10k,
               trackingnet=load_trackingnet, otb=load_otb, vot=load_vot,
               toy=load_toy_video, coco=load_coco_sot)
