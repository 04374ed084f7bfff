"""MixFormer (CVPR 2022) single-object tracker for MMDetection 3.x."""
from .cropping import box_in_crop, clip_box, crop_around, map_box_back
from .mixformer import MixFormer
from .mixformer_backbone import MixFormerBackbone
from .mixformer_head import MixFormerCornerHead, MixFormerScoreDecoder
from .mixformer_layers import MixedAttention
from .sot_pair_dataset import SOTPairDataset
from .sot_transforms import PackSOTInputs

__all__ = [
    'MixFormer', 'MixFormerBackbone', 'MixFormerCornerHead',
    'MixFormerScoreDecoder',
    'MixedAttention', 'crop_around', 'box_in_crop',
    'map_box_back', 'clip_box', 'SOTPairDataset', 'PackSOTInputs'
]
