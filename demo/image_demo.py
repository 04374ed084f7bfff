"""Detect objects in images and save them with the boxes drawn.

Usage::

    python demo/image_demo.py INPUTS CONFIG CHECKPOINT [--out-dir outputs]
        [--device cpu|cuda] [--score-thr 0.3] [--show]

INPUTS is an image file, a folder (its images, not recursive) or a quoted
glob such as "data/toy/test/*.png". A drawn image per input is written to
``--out-dir`` under the input's file name. An unreadable image is reported
and skipped; the exit code is then 1.
"""
import argparse
import glob
import os
import os.path as osp
import sys

import mmcv

from mmdet.apis import inference_detector, init_detector
from mmdet.registry import VISUALIZERS

import projects.common  # noqa: F401  registers modules, fixes torch.load
from projects.common.apis import inference_pipeline
from projects.common.datasets import CorruptImageError
from projects.common.utils import IMG_EXTENSIONS, UserInputError, run_cli


def list_images(inputs: str) -> list:
    """Image paths of a file, a folder or a glob, sorted."""
    if osp.isdir(inputs):
        paths = [osp.join(inputs, name) for name in os.listdir(inputs)]
    elif osp.isfile(inputs):
        paths = [inputs]
    else:
        paths = glob.glob(inputs)
    paths = sorted(p for p in paths
                   if osp.isfile(p) and p.lower().endswith(IMG_EXTENSIONS))
    if not paths:
        raise UserInputError(
            f'No image found in "{inputs}" (a file, a folder, or a quoted '
            f'glob of {"/".join(IMG_EXTENSIONS)} files).')
    return paths


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('inputs', help='image file, folder or quoted glob')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs/image_demo',
                        help='folder for the drawn images')
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='draw boxes scoring at least this')
    parser.add_argument('--show', action='store_true',
                        help='also show each image in a window')
    return parser.parse_args()


def main():
    args = parse_args()
    paths = list_images(args.inputs)
    model = init_detector(args.config, args.checkpoint, device=args.device)
    pipeline = inference_pipeline(model, from_array=False)
    visualizer = VISUALIZERS.build(model.cfg.visualizer)
    visualizer.dataset_meta = model.dataset_meta
    os.makedirs(args.out_dir, exist_ok=True)
    failed = []
    for path in paths:
        try:
            result = inference_detector(model, path, test_pipeline=pipeline)
            image = mmcv.imread(path, channel_order='rgb')
        except (CorruptImageError, OSError, ValueError) as error:
            failed.append(path)
            print(f'skipped {path}: {error}', file=sys.stderr)
            continue
        out_file = osp.join(args.out_dir, osp.basename(path))
        visualizer.add_datasample(
            name=osp.basename(path),
            image=image,
            data_sample=result,
            draw_gt=False,
            show=args.show,
            pred_score_thr=args.score_thr,
            out_file=out_file)
        kept = int((result.pred_instances.scores >= args.score_thr).sum())
        print(f'{path}: {kept} detections -> {out_file}')
    print(f'{len(paths) - len(failed)} of {len(paths)} images drawn in '
          f'{args.out_dir}')
    if failed:
        sys.exit(1)


if __name__ == '__main__':
    run_cli(main)
