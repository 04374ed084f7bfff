"""Convert an official OAT checkpoint (PyTorch Lightning) to this project.

Usage::

    python tools/model_converters/oat_to_mmdet.py epoch=XX.ckpt \
        checkpoints/oat_amazon.pth --pe-table amazon_learned_random_PE.npy \
        [--config configs/oat/oat_amazon.py]

The official model reads its position table from a ``.npy`` file at build
time (``-PE_matrix``); it is not in the checkpoint, so pass the same file
with ``--pe-table``. The key rules are in ``projects/oat/checkpoint.py``.
The conversion stops, listing them, when an official key cannot be placed
or a key of the config's model stays unfilled or gets another shape; the
output is written atomically, so a failure leaves no file.
"""
import argparse
import sys

import numpy as np

from projects.common.utils import run_converter
from projects.oat.checkpoint import convert_official_oat

DEFAULT_CONFIG = 'configs/oat/oat_amazon.py'


def main(argv=None) -> int:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument('--pe-table', required=True,
                     help='the official position table (.npy) the model '
                     'was trained with')
    known, rest = pre.parse_known_args(argv)
    try:
        table = np.load(known.pe_table)
    except (OSError, ValueError) as exc:
        print(f'error: --pe-table {known.pe_table}: {exc}', file=sys.stderr)
        return 1

    def convert(official, target, config):
        return convert_official_oat(official, table)

    return run_converter(rest, 'Convert an official OAT checkpoint '
                         '(also pass --pe-table)', convert,
                         default_config=DEFAULT_CONFIG)


if __name__ == '__main__':
    sys.exit(main())
