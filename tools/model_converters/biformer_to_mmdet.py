"""Convert an official BiFormer checkpoint to this project's ``BiFormer``.

Usage::

    # ImageNet classifier (weights under 'model') -> backbone weights, for
    # model.backbone.init_cfg=dict(type='Pretrained', checkpoint=...)
    python tools/model_converters/biformer_to_mmdet.py \
        biformer_small_best.pth checkpoints/biformer-s_in1k.pth

    # official mmdet-2 detector (weights under 'state_dict', 'backbone.*')
    # -> the detector of a config of this project
    python tools/model_converters/biformer_to_mmdet.py \
        retinanet_biformer_small.pth checkpoints/retinanet_biformer-s.pth \
        --config configs/biformer/retinanet_biformer-s_fpn_8xb2-1x_coco.py

The key rules are in ``projects/biformer/checkpoint.py``: the classifier's
``head`` and final BatchNorm ``norm`` are dropped, BRA's ``attn.qkv.qkv``
becomes ``attn.qkv`` and the MLP's ``mlp.3`` ``mlp.2``; the architecture
(T/S/B) is read from the keys. The conversion stops, listing them, when a
key cannot be placed or a weight of the target model stays unfilled or gets
the wrong shape; the output is written atomically, so a failure leaves no
file.
"""
import sys

from projects.biformer.checkpoint import convert_for_model
from projects.common.utils import run_converter


def main(argv=None) -> int:
    return run_converter(
        argv, 'Convert an official BiFormer checkpoint', convert_for_model,
        config_help='config of the detector (needed for official detection '
        'checkpoints, whose keys start with "backbone.")')


if __name__ == '__main__':
    sys.exit(main())
