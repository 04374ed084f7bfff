"""Tracking speed of MixFormer with and without the template cache.

Usage::

    python tools/analysis_tools/benchmark_sot_cache.py CONFIG \
        [--checkpoint CKPT] --sequence ../shared/data/sot/vot15_bag \
        [--max-frames N] [--device cpu]

Tracks one VOT/OTB-style sequence twice in this run with the same weights,
first with ``use_cache=False`` (the joint template + search forward every
frame, as the official tracker does with one online template) and then with
``use_cache=True`` (template keys / values computed once per template
update). Prints frames per second of the tracker (cropping included,
image decoding excluded), the speed ratio and the largest box difference.
Without ``--checkpoint`` the weights are the initialisation (speed does
not depend on them).
"""
import argparse
import time

import numpy as np

import projects.common  # noqa: F401
from projects.common.datasets.sot import load_otb, load_vot
from projects.mixformer.apis import init_tracker


def load_sequence(path: str, max_frames: int):
    import cv2
    try:
        record = load_vot(path)[0]
    except (FileNotFoundError, ValueError):
        record = load_otb(path)[0]
    n = len(record['frames']) if max_frames <= 0 else min(
        max_frames, len(record['frames']))
    frames = [np.ascontiguousarray(cv2.imread(f)[..., ::-1])
              for f in record['frames'][:n]]
    return record['video_name'], frames, record['gt_bboxes'][0]


def run(model, frames, init_box):
    model.init(frames[0], init_box)
    boxes = []
    start = time.perf_counter()
    for frame in frames[1:]:
        boxes.append(model.track(frame)['bbox'])
    return (len(frames) - 1) / (time.perf_counter() - start), np.array(boxes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint')
    parser.add_argument('--sequence', required=True)
    parser.add_argument('--max-frames', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    import torch
    model = init_tracker(args.config, args.checkpoint, args.device)
    name, frames, init_box = load_sequence(args.sequence, args.max_frames)
    cfg = model.test_cfg
    print(f'{name}: {len(frames)} frames {frames[0].shape[1]}x'
          f'{frames[0].shape[0]}, device {args.device}, '
          f'{torch.get_num_threads()} threads, online_size '
          f'{cfg["online_size"]}, update_interval {cfg["update_interval"]}')
    results = {}
    for use_cache in (False, True):
        model.test_cfg['use_cache'] = use_cache
        run(model, frames[:3], init_box)  # warm-up
        results[use_cache] = run(model, frames, init_box)
        print(f'  use_cache={use_cache}: {results[use_cache][0]:.2f} fps')
    diff = np.abs(results[True][1] - results[False][1]).max()
    print(f'  cached / uncached: {results[True][0] / results[False][0]:.2f}x '
          f'speed, max |box difference| {diff:.2e} px')


if __name__ == '__main__':
    main()
