"""Convert an official Relation-DETR checkpoint to this project's model.

Usage::

    python tools/model_converters/relation_detr_to_mmdet.py \
        relation_detr_resnet50_800_1333_coco_1x.pth \
        checkpoints/relation-detr_r50_12e_coco.pth \
        [--config configs/relation_detr/relation-detr_r50_8xb2-12e_coco.py]

The input is the state dict of xiuqhou/Relation-DETR (bare, or under
``'model'``); the key rules are in ``projects/relation_detr/checkpoint.py``
(91 COCO-id classifier rows cut to mmdet's 80 classes). The conversion
stops, listing them, when an official key cannot be placed or a key of the
model built from ``--config`` stays unfilled or gets the wrong shape; the
output is written atomically, so a failure leaves no file.
"""
import sys
from functools import partial

from projects.common.utils import load_state_dict_file, run_converter
from projects.relation_detr.checkpoint import convert_for_model

DEFAULT_CONFIG = 'configs/relation_detr/relation-detr_r50_8xb2-12e_coco.py'


def main(argv=None) -> int:
    return run_converter(
        argv, 'Convert an official Relation-DETR checkpoint',
        convert_for_model,
        read=partial(load_state_dict_file, wrappers=('model', )),
        default_config=DEFAULT_CONFIG)


if __name__ == '__main__':
    sys.exit(main())
