"""Convert an official MixFormer checkpoint to this project's ``MixFormer``.

Usage::

    python tools/model_converters/mixformer_to_mmdet.py \
        mixformer_cvt_online_22k.pth.tar checkpoints/mixformer_cvt_22k.pth \
        [--config configs/mixformer/mixformer-cvt21-score_8xb32-30e_lasot.py]

The weights are read from the checkpoint's ``'net'`` entry (the official
trainers also pickle their ``lib.*`` settings objects there: those are
replaced by inert stubs, never imported; any other non-tensor global is
refused). The key rules are in ``projects/mixformer/checkpoint.py``: the
CvT's unused final norm and classifier are dropped, every other key keeps
its name. The conversion stops, listing them, when a key is not placed, a
weight of the config's model stays unfilled or has the wrong shape; the
output is written atomically.
"""
import sys

from projects.common.utils import run_converter
from projects.mixformer.checkpoint import (convert_for_model,
                                           read_official_mixformer)

DEFAULT_CONFIG = 'configs/mixformer/mixformer-cvt21-score_8xb32-30e_lasot.py'


def main(argv=None) -> int:
    return run_converter(argv, 'Convert an official MixFormer checkpoint',
                         convert_for_model, read=read_official_mixformer,
                         default_config=DEFAULT_CONFIG)


if __name__ == '__main__':
    sys.exit(main())
