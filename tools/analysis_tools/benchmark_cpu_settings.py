"""Two CPU settings measured for the toy training step, neither adopted.

Usage::

    python tools/analysis_tools/benchmark_cpu_settings.py \
        [--parts alloc layout] [--floats 12000000] [--repeats 5]

Parts:

- ``alloc``: the page-fault cost of a fresh large tensor. glibc hands every
  block above its mmap threshold back to the kernel when it is freed, so
  each new one is faulted in page by page. Times ``a * b`` (a new output)
  against ``torch.mul(a, b, out=c)`` (a reused one) on ``--floats``
  float32 values, each in a child process with the default allocator and
  with large mmap/trim thresholds (blocks kept); prints milliseconds and
  ratios. The thresholds are a process-wide choice left to the user.
- ``layout``: channels_last for the toy config's ResNet (at the config's
  batch unless ``--batch``): forward + backward
  of the backbone alone, and a whole training step (``loss`` + backward)
  with the backbone and images in channels_last, against the default
  layout (:func:`projects.common.utils.interleaved`: the two take turns,
  medians of ``--repeats``).
"""
import argparse
import json
import logging
import os
import sys
import time

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from projects.common.utils import (build_model_from_config, interleaved,
                                   median_seconds, run_cli, train_batch,
                                   train_step)
from projects.common.utils.peak_memory import run_child

TOY = 'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py'
#: glibc keeps freed blocks up to 4 GiB instead of unmapping them
KEEP_BLOCKS_ENV = dict(MALLOC_MMAP_THRESHOLD_='4294967296',
                       MALLOC_TRIM_THRESHOLD_='4294967296')


def alloc_child(floats: int, repeats: int) -> dict:
    a, b, c = (torch.rand(floats) for _ in range(3))
    return dict(
        new=1000 * median_seconds(lambda: a * b, repeats),
        reused=1000 * median_seconds(lambda: torch.mul(a, b, out=c),
                                     repeats))


def part_alloc(args):
    cmd = [sys.executable, __file__, '--alloc-child', '--floats',
           str(args.floats), '--repeats', str(args.repeats)]
    print(f'\n[alloc] a * b on {args.floats} float32 '
          f'({4 * args.floats / 2**20:.0f} MiB), median of {args.repeats}')
    for name, extra in (('default malloc', {}),
                        ('blocks kept', KEEP_BLOCKS_ENV)):
        res = run_child(cmd, dict(os.environ, **extra))
        print(f'  {name:<15} new output {res["new"]:7.2f} ms   reused '
              f'output {res["reused"]:7.2f} ms   new / reused '
              f'{res["new"] / res["reused"]:.2f}x')


def part_layout(args):
    torch.manual_seed(0)
    inputs, samples = train_batch((128, 128), args.batch, 3)
    images = torch.rand(args.batch, 3, 128, 128)
    models = {}
    for layout in ('contiguous', 'channels_last'):
        torch.manual_seed(0)
        model = build_model_from_config(args.config).train()
        model.init_weights()
        if layout == 'channels_last':
            model.backbone.to(memory_format=torch.channels_last)
        models[layout] = model

    def backbone_step(model, layout):
        x = images
        if layout == 'channels_last':
            x = x.contiguous(memory_format=torch.channels_last)
        sum(o.sum() for o in model.backbone(x)).backward()
        model.zero_grad()

    def whole_step(model, layout):
        batch = inputs
        if layout == 'channels_last':
            batch = batch.contiguous(memory_format=torch.channels_last)
        train_step(model, batch, samples)

    cpu = torch.device('cpu')
    for title, step in (('backbone forward + backward', backbone_step),
                        ('whole training step', whole_step)):
        res = interleaved({layout: (lambda m=m, layout=layout: step(m, layout))
                           for layout, m in models.items()}, args.repeats,
                          cpu)
        print(f'\n[layout] {title}, {args.batch} x 128x128, median of '
              f'{args.repeats}')
        for layout, sec in res.items():
            print(f'  {layout:<14} {sec:6.3f} s  '
                  f'{sec / res["contiguous"]:.2f}x contiguous')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--parts', nargs='+', default=['alloc', 'layout'],
                        choices=['alloc', 'layout'])
    parser.add_argument('--floats', type=int, default=12_000_000)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--config', default=TOY)
    parser.add_argument('--batch', type=int,
                        help="images a step (default: the config's batch)")
    parser.add_argument('--alloc-child', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.alloc_child:
        print(json.dumps(alloc_child(args.floats, args.repeats)))
        return 0
    if 'alloc' in args.parts:
        part_alloc(args)
    if 'layout' in args.parts:
        if args.batch is None:
            args.batch = Config.fromfile(
                args.config).train_dataloader.batch_size
        MMLogger.get_instance('mmengine').setLevel(logging.WARNING)
        part_layout(args)
    return 0


if __name__ == '__main__':
    run_cli(main)
