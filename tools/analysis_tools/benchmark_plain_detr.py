"""Whole-model inference latency: Plain-DETR R-50 against mmdet's DINO R-50
(4 scales), measured in the same run on the same input; prints the ratio.

Usage::

    python tools/analysis_tools/benchmark_plain_detr.py \
        [--size 800 1216] [--device cpu] [--repeats 3]

Both models are built from their configs with random weights (nothing is
downloaded): ``configs/plain_detr/plain-detr_r50_8xb2-12e_coco.py`` (300
queries at test time, global BoxRPB attention on one stride-16 map) and
mmdet's ``dino-4scale_r50_8xb2-12e_coco.py`` (900 queries, deformable
attention, 6-layer encoder). The figure is the best of ``--repeats``
forward passes in ``predict`` mode (post-processing included) after one
warm-up.
"""
import argparse

import torch

from projects.common.utils import DINO_R50_CONFIG, detector_latency

PLAIN = 'configs/plain_detr/plain-detr_r50_8xb2-12e_coco.py'
DINO = DINO_R50_CONFIG


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, nargs=2, default=[800, 1216])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    plain = detector_latency(PLAIN, args.size, device, args.repeats)
    dino = detector_latency(DINO, args.size, device, args.repeats)
    print(f'{args.size[0]}x{args.size[1]} on {args.device}: Plain-DETR R-50 '
          f'{plain * 1e3:.0f} ms, DINO R-50 {dino * 1e3:.0f} ms, '
          f'Plain-DETR / DINO = {plain / dino:.2f}x')


if __name__ == '__main__':
    main()
