"""PIDray: prohibited items in X-ray security images (Wang et al., ICCV 2021,
`Towards Real-World Prohibited Item Detection
<https://arxiv.org/abs/2108.07020>`_)."""
from typing import Optional

from mmdet.registry import DATASETS
from .strict_coco import StrictCocoDataset

PIDRAY_SUBSETS = ('easy', 'hard', 'hidden')


@DATASETS.register_module()
class PIDrayDataset(StrictCocoDataset):
    """PIDray in its official COCO-format files.

    Files: ``annotations/xray_train.json`` and
    ``annotations/xray_test_{easy,hard,hidden}.json``; images in ``train/``,
    ``easy/``, ``hard/`` and ``hidden/``. The test set is reported per
    subset; pass ``subset`` so that every sample carries it (add ``'subset'``
    to ``PackDetInputs.meta_keys``) and :class:`PIDrayMetric` can group them.

    Args:
        subset (str, optional): 'easy', 'hard' or 'hidden' for a test file.
        **kwargs: Passed to :class:`StrictCocoDataset`.
    """

    # The official order (category ids 1..12 of the released json files).
    METAINFO = {
        'classes': ('Baton', 'Pliers', 'Hammer', 'Powerbank', 'Scissors',
                    'Wrench', 'Gun', 'Bullet', 'Sprayer', 'HandCuffs',
                    'Knife', 'Lighter'),
        'palette': [(220, 20, 60), (119, 11, 32), (0, 0, 142), (0, 0, 230),
                    (106, 0, 228), (0, 60, 100), (0, 80, 100), (0, 0, 70),
                    (0, 0, 192), (250, 170, 30), (100, 170, 30),
                    (220, 220, 0)],
    }

    def __init__(self, *args, subset: Optional[str] = None, **kwargs):
        if subset is not None and subset not in PIDRAY_SUBSETS:
            raise ValueError(f'PIDrayDataset: subset={subset!r}; expected one '
                             f'of {PIDRAY_SUBSETS} or None (training).')
        self.subset = subset
        kwargs.setdefault('strict_categories', True)
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        info = super().parse_data_info(raw_data_info)
        if self.subset is not None:
            info['subset'] = self.subset
        return info
