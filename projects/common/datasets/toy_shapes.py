"""The toy shapes dataset written by ``tools/misc/make_toy_data.py``."""
from mmdet.registry import DATASETS
from .strict_coco import StrictCocoDataset

TOY_CLASSES = ('circle', 'square', 'triangle')


@DATASETS.register_module()
class ToyShapesDataset(StrictCocoDataset):
    """Coloured shapes on textured backgrounds, for demos and tests."""

    METAINFO = {
        'classes': TOY_CLASSES,
        'palette': [(220, 20, 60), (0, 160, 0), (30, 60, 230)],
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('strict_categories', True)
        super().__init__(*args, **kwargs)
