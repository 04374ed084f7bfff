"""Convert an official Plain-DETR checkpoint to this project's model.

Usage::

    python tools/model_converters/plain_detr_to_mmdet.py \
        official_checkpoint.pth checkpoints/plain-detr_r50_12e_coco.pth \
        [--config configs/plain_detr/plain-detr_r50_8xb2-12e_coco.py]

The input is a checkpoint of impiga/Plain-DETR (weights under ``'model'``,
or bare); the key rules are in ``projects/plain_detr/checkpoint.py`` (91
COCO-id classifier rows cut to mmdet's 80 classes, the encoder head's
objectness row kept first, the decoder's duplicated head aliases dropped).
The conversion stops, listing them, when an official key cannot be placed
or a key of the model built from ``--config`` stays unfilled or gets the
wrong shape; the output is written atomically, so a failure leaves no
file.
"""
import sys
from functools import partial

from projects.common.utils import load_state_dict_file, run_converter
from projects.plain_detr.checkpoint import convert_for_model

DEFAULT_CONFIG = 'configs/plain_detr/plain-detr_r50_8xb2-12e_coco.py'


def main(argv=None) -> int:
    return run_converter(
        argv, 'Convert an official Plain-DETR checkpoint', convert_for_model,
        read=partial(load_state_dict_file, wrappers=('model', )),
        default_config=DEFAULT_CONFIG)


if __name__ == '__main__':
    sys.exit(main())
