"""Time and peak memory of one BoxRPB cross-attention layer, the 'fast'
path against the 'reference' (official order of operations), measured in
the same run; prints the ratios.

Usage::

    python tools/analysis_tools/benchmark_box_rpb.py \
        [--size 800 1333] [--queries 1800] [--device cuda] [--repeats 3]

The default is Plain-DETR's training case: one 800 x 1333 image (a 50 x 84
map at stride 16), 1800 queries, 256 channels, 8 heads. On a GPU the peak is
``torch.cuda.max_memory_allocated``; on the CPU every case runs in its own
process and the peak is its maximum resident size above a process that
only builds the inputs.
"""
import argparse
import json
import math
import resource
import subprocess
import sys
import time

import torch

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


def _measure(args, impl, backward):
    """Seconds per call and peak bytes of one case (or of the inputs only
    when ``impl`` is None)."""
    device = torch.device(args.device)
    module, inputs = _inputs(args, device)
    if impl is None:
        return 0.0, _peak(device)
    if device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    _run(module, inputs, impl, backward)  # warm-up
    times = []
    for _ in range(args.repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        tic = time.perf_counter()
        _run(module, inputs, impl, backward)
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - tic)
    peak = _peak(device)
    if device.type == 'cuda':
        peak -= base
    return min(times), peak


def _peak(device):
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _case_in_subprocess(args, impl, backward):
    cmd = [sys.executable, __file__, '--one-case', str(impl),
           str(int(backward)), '--size', *map(str, args.size), '--queries',
           str(args.queries), '--device', args.device, '--repeats',
           str(args.repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, nargs=2, default=[800, 1333])
    parser.add_argument('--queries', type=int, default=1800)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--one-case', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    if args.one_case:
        impl = None if args.one_case[0] == 'None' else args.one_case[0]
        seconds, peak = _measure(args, impl, bool(int(args.one_case[1])))
        print(json.dumps(dict(seconds=seconds, peak=peak)))
        return
    h, w = (math.ceil(s / 16) for s in args.size)
    print(f'BoxRPB cross-attention, {args.queries} queries x {h}x{w} keys, '
          f'{args.device}')
    cpu = torch.device(args.device).type == 'cpu'
    base = _case_in_subprocess(args, None, False)['peak'] if cpu else 0
    for backward in (False, True):
        res = {}
        for impl in ('reference', 'fast'):
            r = (_case_in_subprocess(args, impl, backward) if cpu else
                 dict(zip(('seconds', 'peak'),
                          _measure(args, impl, backward))))
            r['peak'] -= base
            res[impl] = r
            print(f'  {"fwd+bwd" if backward else "forward"} {impl:<9} '
                  f'{r["seconds"] * 1e3:8.1f} ms  peak '
                  f'{r["peak"] / 2**20:8.1f} MiB')
        fast, ref = res['fast'], res['reference']
        print(f'  {"fwd+bwd" if backward else "forward"} fast / reference: '
              f'time {fast["seconds"] / ref["seconds"]:.2f}x, peak memory '
              f'{fast["peak"] / ref["peak"]:.2f}x')


if __name__ == '__main__':
    main()
