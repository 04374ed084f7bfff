"""Convert a detrex Focus-DETR checkpoint to this project's model.

Usage::

    python tools/model_converters/focus_detr_to_mmdet.py \
        focus_detr_r50_4scale_12ep.zip checkpoints/focus-detr_r50_12e_coco.pth \
        [--config configs/focus_detr/focus-detr_r50_8xb2-12e_coco.py]

The input is a detrex / detectron2 checkpoint (the released ``.zip``, or
the ``.pth`` / ``.pkl`` inside it); the key rules are in
``projects/focus_detr/checkpoint.py`` (detectron2 ResNet names to mmdet's,
detrex neck and transformer names to this model's, the aliases of shared
modules dropped; 80 classes in the same order, no remap). The conversion
stops, listing them, when an official key cannot be placed or a key of the
model built from ``--config`` stays unfilled or gets the wrong shape; the
output is written atomically, so a failure leaves no file.
"""
import sys

from projects.common.utils import run_converter
from projects.focus_detr.checkpoint import (convert_for_model,
                                            read_official_checkpoint)

DEFAULT_CONFIG = 'configs/focus_detr/focus-detr_r50_8xb2-12e_coco.py'


def main(argv=None) -> int:
    return run_converter(
        argv, 'Convert a detrex Focus-DETR checkpoint', convert_for_model,
        read=read_official_checkpoint, default_config=DEFAULT_CONFIG)


if __name__ == '__main__':
    sys.exit(main())
