"""Convert an official MixFormer checkpoint to this project's ``MixFormer``.

Usage::

    python tools/model_converters/mixformer_to_mmdet.py \
        mixformer_cvt_online_22k.pth.tar checkpoints/mixformer_cvt_22k.pth \
        [--config configs/mixformer/mixformer-cvt21-score_8xb32-30e_lasot.py]

The weights are read from the checkpoint's ``'net'`` entry (the official
trainers also pickle their ``lib.*`` settings objects there: those are
replaced by inert stubs, never imported; any other non-tensor global is
refused). The CvT's unused final norm and classifier are dropped; every
other key keeps its name. The conversion stops, listing them, when a key
is not placed, a weight of the config's model stays unfilled or has the
wrong shape; the output is written atomically.
"""
import argparse
import os.path as osp
import sys

from projects.common.utils import (check_state_dict, load_foreign_checkpoint,
                                   model_state_from_config, write_converted)
from projects.mixformer.checkpoint import convert_official_mixformer

DEFAULT_CONFIG = 'configs/mixformer/mixformer-cvt21-score_8xb32-30e_lasot.py'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description='Convert an official MixFormer checkpoint')
    parser.add_argument('src', help='official checkpoint (.pth.tar)')
    parser.add_argument('dst', help='output checkpoint for this project')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='config whose model receives the weights')
    args = parser.parse_args(argv)
    try:
        state = load_foreign_checkpoint(args.src, stub_prefixes=('lib.', ))
    except (OSError, ValueError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1
    converted, dropped = convert_official_mixformer(state)
    problems = check_state_dict(converted,
                                model_state_from_config(args.config))
    meta = dict(converted_from=osp.basename(args.src), config=args.config)
    if write_converted(converted, meta, args.dst, problems):
        return 1
    print(f'{len(state)} keys -> {len(converted)} keys in {args.dst} '
          f'(dropped {len(dropped)} unused: {", ".join(dropped)})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
