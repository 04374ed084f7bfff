"""Plot the loss terms and the validation metrics of a training run into
one PNG.

Usage::

    python tools/analysis_tools/plot_curves.py WORK_DIR [--out curves.png] \
        [--keys loss loss_cls ...] [--metrics bbox_mAP sot/success_auc ...]

WORK_DIR is the ``--work-dir`` of tools/train.py (its latest
``<timestamp>/vis_data/<timestamp>.json`` is read) or a json log itself.
By default the total loss and the last layer's ``loss_*`` terms are drawn
on the left, COCO's bbox / segm mAP (or every ``sot/*`` metric) on the
right; ``--out`` defaults to ``WORK_DIR/curves.png``. See
:mod:`projects.common.visualization.curves` for why this reads the log
itself instead of going through mmdet's ``analyze_logs``.
"""
import argparse
import os.path as osp

from projects.common.utils import run_cli


def main(argv=None) -> int:
    from projects.common.visualization.curves import plot_curves
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dir')
    parser.add_argument('--out', default=None)
    parser.add_argument('--keys', nargs='+', default=None)
    parser.add_argument('--metrics', nargs='+', default=None)
    args = parser.parse_args(argv)
    out = args.out or osp.join(
        args.work_dir if osp.isdir(args.work_dir) else
        osp.dirname(osp.abspath(args.work_dir)), 'curves.png')
    print(plot_curves(args.work_dir, out, args.keys, args.metrics))
    return 0


if __name__ == '__main__':
    run_cli(main)
