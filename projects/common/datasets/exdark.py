"""ExDark: the Exclusively Dark image dataset (Loh and Chan, CVIU 2019,
`Getting to Know Low-light Images with The Exclusively Dark Dataset
<https://arxiv.org/abs/1805.11227>`_)."""
from mmdet.registry import DATASETS
from .strict_coco import StrictCocoDataset

#: Object classes of the official release, in the order of their 1-based
#: labels in imageclasslist.txt (Groundtruth/README.md).
EXDARK_CLASSES = ('Bicycle', 'Boat', 'Bottle', 'Bus', 'Car', 'Cat', 'Chair',
                  'Cup', 'Dog', 'Motorbike', 'People', 'Table')
#: Lighting types of imageclasslist.txt, 1-based.
EXDARK_LIGHTING = ('Low', 'Ambient', 'Object', 'Single', 'Weak', 'Strong',
                   'Screen', 'Window', 'Shadow', 'Twilight')


@DATASETS.register_module()
class ExDarkDataset(StrictCocoDataset):
    """ExDark in COCO format, as written by
    ``tools/dataset_converters/exdark_to_coco.py``.

    Each image record keeps ``light`` (1-10, :data:`EXDARK_LIGHTING`) and
    ``indoor`` (True/False) from the official ``imageclasslist.txt``; they are
    copied into the data info so :class:`ExDarkMetric` can report AP per
    lighting type. Category ids may start at 0 or 1: classes are matched by
    name.
    """

    METAINFO = {
        'classes': EXDARK_CLASSES,
        'palette': [(220, 20, 60), (119, 11, 32), (0, 0, 142), (0, 0, 230),
                    (106, 0, 228), (0, 60, 100), (0, 80, 100), (0, 0, 70),
                    (0, 0, 192), (250, 170, 30), (100, 170, 30),
                    (220, 220, 0)],
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('strict_categories', True)
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        info = super().parse_data_info(raw_data_info)
        img_info = raw_data_info['raw_img_info']
        for key in ('light', 'indoor'):
            if key in img_info:
                info[key] = img_info[key]
        return info
