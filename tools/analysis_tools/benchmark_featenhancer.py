"""What FeatEnHancer adds to a detector's inference: forward time and peak
memory of RetinaNet R-50 with and without the enhancer, measured in the
same run; prints the ratios.

Usage::

    python tools/analysis_tools/benchmark_featenhancer.py \
        [--size 800 1333] [--device cpu] [--repeats 3]

The two models are ``configs/featenhancer/retinanet_r50_fpn_8xb2-1x_exdark.py``
and ``retinanet_r50-featenhancer_fpn_8xb2-1x_exdark.py`` with random weights
(nothing is downloaded), one ``--size`` image, ``predict`` with its
post-processing. Each case runs in its own process: the time (best of
``--repeats`` after a warm-up), then, in a second process, the peak memory
of one more call (:mod:`projects.common.utils.peak_memory`).
"""
import argparse
import json
import os
import sys

import torch

from projects.common.utils import (best_seconds, build_model_from_config,
                                   one_image_batch)
from projects.common.utils.peak_memory import (MALLOC_ENV, peak_bytes,
                                               run_child)

CONFIGS = {
    'RetinaNet R-50':
    'configs/featenhancer/retinanet_r50_fpn_8xb2-1x_exdark.py',
    'with FeatEnHancer':
    'configs/featenhancer/retinanet_r50-featenhancer_fpn_8xb2-1x_exdark.py',
}


def _measure(config, size, device, repeats):
    model = build_model_from_config(config).to(device).eval()
    model.init_weights()
    inputs, samples = one_image_batch(size, device)

    def step():
        with torch.no_grad():
            model.predict(inputs, samples)

    if repeats:
        return best_seconds(step, device, repeats), None
    step()  # warm-up only
    return None, peak_bytes(step, device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, nargs=2, default=[800, 1333])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--one-case', help=argparse.SUPPRESS)
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.one_case:
        seconds, peak = _measure(args.one_case, args.size, device,
                                 args.repeats)
        print(json.dumps(dict(seconds=seconds, peak=peak)))
        return
    results = {}
    for name, config in CONFIGS.items():
        cmd = [sys.executable, __file__, '--one-case', config, '--size',
               *map(str, args.size), '--device', args.device]
        timing = run_child(cmd + ['--repeats', str(args.repeats)],
                           os.environ)
        memory = run_child(cmd + ['--repeats', '0'],
                           dict(os.environ, **MALLOC_ENV))
        results[name] = (timing['seconds'], memory['peak'])
        print(f'{name:<18} {timing["seconds"] * 1e3:8.0f} ms  peak '
              f'{memory["peak"] / 2**20:8.0f} MiB', flush=True)
    (t0, m0), (t1, m1) = results.values()
    print(f'{args.size[0]}x{args.size[1]} on {args.device}: with / without '
          f'FeatEnHancer: time {t1 / t0:.2f}x, peak memory {m1 / m0:.2f}x')


if __name__ == '__main__':
    main()
