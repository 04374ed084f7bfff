"""Time and peak memory of one BoxRPB cross-attention layer, the 'fast'
path against the 'reference' (official order of operations), measured in
the same run; prints the ratios.

Usage::

    python tools/analysis_tools/benchmark_box_rpb.py \
        [--size 800 1333] [--queries 1800] [--device cuda] [--repeats 3]

The default is Plain-DETR's training case: one 800 x 1333 image (a 50 x 84
map at stride 16), 1800 queries, 256 channels, 8 heads. Every case runs in
its own process: the time with the default allocator, the peak memory of
one more call in a second process
(:mod:`projects.common.utils.peak_memory`: the allocator's peak on CUDA,
the peak resident set above the inputs on CPU).
"""
import argparse
import json
import math
import os
import sys

import torch

from projects.common.utils import best_seconds
from projects.common.utils.peak_memory import (MALLOC_ENV, peak_bytes,
                                               run_child)
from projects.plain_detr import BoxRPBCrossAttention


def _inputs(args, device):
    torch.manual_seed(0)
    h, w = (math.ceil(s / 16) for s in args.size)
    module = BoxRPBCrossAttention(256, 8, attn_impl='reference').to(device)
    query = torch.randn(1, args.queries, 256, device=device)
    key = torch.randn(1, h * w, 256, device=device)
    value = torch.randn(1, h * w, 256, device=device)
    boxes = torch.rand(1, args.queries, 4, device=device) * 0.5 + 0.25
    return module, (query, key, value, boxes, (h, w))


def _run(module, inputs, impl, backward):
    module.attn_impl = impl
    query, key, value, boxes, shape = inputs
    if backward:
        q = query.clone().requires_grad_()
        out = module(q, key, value, boxes, shape)
        out.sum().backward()
    else:
        with torch.no_grad():
            module(query, key, value, boxes, shape)


def _measure(args, impl, backward, repeats):
    """Best seconds per call over ``repeats`` calls after a warm-up, and
    the peak bytes of one more call."""
    device = torch.device(args.device)
    module, inputs = _inputs(args, device)

    def step():
        _run(module, inputs, impl, backward)

    if repeats:
        seconds = best_seconds(step, device, repeats)  # warm-up included
    else:
        step()  # warm-up only
        seconds = None
    module.zero_grad(set_to_none=True)
    return seconds, peak_bytes(step, device)


def _case(args, impl, backward):
    cmd = [sys.executable, __file__, '--one-case', impl, str(int(backward)),
           '--size', *map(str, args.size), '--queries', str(args.queries),
           '--device', args.device, '--repeats', str(args.repeats)]
    timing = run_child(cmd, os.environ)
    memory = run_child(cmd[:-1] + ['0'], dict(os.environ, **MALLOC_ENV))
    return dict(seconds=timing['seconds'], peak=memory['peak'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, nargs=2, default=[800, 1333])
    parser.add_argument('--queries', type=int, default=1800)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--one-case', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_case:
        seconds, peak = _measure(args, args.one_case[0],
                                 bool(int(args.one_case[1])), args.repeats)
        print(json.dumps(dict(seconds=seconds, peak=peak)))
        return
    h, w = (math.ceil(s / 16) for s in args.size)
    print(f'BoxRPB cross-attention, {args.queries} queries x {h}x{w} keys, '
          f'{args.device}')
    for backward in (False, True):
        mode = 'fwd+bwd' if backward else 'forward'
        res = {impl: _case(args, impl, backward)
               for impl in ('reference', 'fast')}
        for impl, r in res.items():
            print(f'  {mode} {impl:<9} {r["seconds"] * 1e3:8.1f} ms  peak '
                  f'{r["peak"] / 2**20:8.1f} MiB')
        fast, ref = res['fast'], res['reference']
        print(f'  {mode} fast / reference: time '
              f'{fast["seconds"] / ref["seconds"]:.2f}x, peak memory '
              f'{fast["peak"] / ref["peak"]:.2f}x')


if __name__ == '__main__':
    main()
