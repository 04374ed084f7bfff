"""Compare BiFormer's two BRA paths: forward time, peak memory, outputs.

Usage::

    python tools/analysis_tools/benchmark_bra.py [--arch small]
        [--shape 800 1216] [--n-win 16] [--repeat 3] [--device cpu]
        [--train]

Both paths (``attn_impl='reference'``, the official gather, and ``'fast'``,
the streaming softmax) run the same backbone weights on the same input in
this run; the script prints each path's median forward time and peak
memory, their ratios (fast / reference) and the largest output difference.
Peak memory is the allocator's peak on CUDA and the process's peak resident
set (``VmHWM``, reset before the measured step) on CPU. Every figure comes
from a fresh subprocess; CPU memory is measured in its own process with
fixed malloc thresholds, so that freed tensors leave the resident set at
once and allocator caching can neither hide nor inflate a peak.
``--train`` measures forward + backward instead of inference.
"""
import argparse
import json
import os
import statistics
import sys
import time

from projects.common.utils.peak_memory import (MALLOC_ENV, peak_bytes,
                                               run_child)


def measure(args) -> dict:
    """Run one path in this process and return its figures."""
    import torch

    from projects.biformer import BiFormer
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = BiFormer(
        args.arch, n_win=args.n_win, attn_impl=args.impl).to(device)
    model.init_weights()
    model.train(args.train)
    x = torch.randn(1, 3, *args.shape, device=device,
                    generator=torch.Generator().manual_seed(1)
                    if device.type == 'cpu' else None)

    def step():
        if args.train:
            outs = model(x)
            sum(o.float().mean() for o in outs).backward()
            return [o.detach() for o in outs]
        with torch.no_grad():
            return model(x)

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    outs = step()  # warm-up
    sync()
    times = []
    for _ in range(args.repeat):
        sync()
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    # peak memory of one more step, from a clean high-water mark
    model.zero_grad(set_to_none=True)
    peak = peak_bytes(step, device)
    torch.save([o.cpu() for o in outs], args.save)
    return dict(time=statistics.median(times) if times else None,
                peak=peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='small')
    parser.add_argument('--shape', type=int, nargs=2, default=[800, 1216])
    parser.add_argument('--n-win', type=int, default=16)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--train', action='store_true')
    parser.add_argument('--impl', help=argparse.SUPPRESS)
    parser.add_argument('--save', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.impl:  # child process
        print(json.dumps(measure(args)))
        return

    import tempfile

    import torch
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for impl in ('reference', 'fast'):
            save = os.path.join(tmp, impl + '.pth')
            cmd = [sys.executable, __file__, '--impl', impl, '--save', save,
                   '--arch', args.arch, '--n-win', str(args.n_win),
                   '--repeat', str(args.repeat), '--device', args.device,
                   '--shape', *map(str, args.shape)]
            if args.train:
                cmd.append('--train')
            # timing with the default allocator
            timing = run_child(cmd, os.environ)
            # memory with fixed malloc thresholds: freed tensors leave the
            # resident set at once, so the peak RSS follows live tensors
            # (slower, hence a separate process)
            memory = run_child(cmd + ['--repeat', '0'],
                               dict(os.environ, **MALLOC_ENV))
            res[impl] = dict(time=timing['time'], peak=memory['peak'],
                             outs=torch.load(save))
    diff = max((a - b).abs().max().item()
               for a, b in zip(res['reference']['outs'], res['fast']['outs']))
    mode = 'forward+backward' if args.train else 'forward (no grad)'
    print(f'BiFormer-{args.arch[0].upper()} {args.shape[0]}x{args.shape[1]}, '
          f'n_win {args.n_win}, {mode}, device {args.device}, '
          f'{torch.get_num_threads()} threads')
    for impl in ('reference', 'fast'):
        r = res[impl]
        print(f'  {impl:9s}: {r["time"]:.3f} s  peak {r["peak"] / 2**20:.0f} '
              f'MiB')
    ref, fast = res['reference'], res['fast']
    print(f'  fast / reference: time {fast["time"] / ref["time"]:.2f}x, '
          f'peak memory {fast["peak"] / ref["peak"]:.2f}x, '
          f'max |output diff| {diff:.2e}')


if __name__ == '__main__':
    main()
