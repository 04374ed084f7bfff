"""Peak memory of one step, for the benchmark scripts: the allocator's
peak on CUDA, the process's peak resident set on CPU.

On CPU the high-water mark (``VmHWM``) is reset right before the step, and
the step should run in a process started with :data:`MALLOC_ENV` (fixed
malloc thresholds, so that freed tensors leave the resident set at once
and allocator caching can neither hide nor inflate a peak); run such a
process with :func:`run_child`.
"""
import json
import subprocess
from typing import Callable, Sequence

#: environment of a CPU memory-measuring child process
MALLOC_ENV = dict(MALLOC_MMAP_THRESHOLD_='131072',
                  MALLOC_TRIM_THRESHOLD_='131072')


def _rss_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def _reset_peak_rss() -> bool:
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_bytes(step: Callable[[], object], device) -> int:
    """Bytes of memory ``step()`` needs at its peak above what is in use
    before it (``device`` a ``torch.device``)."""
    import torch
    if device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        step()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base
    base = _rss_kib('VmRSS') * 1024
    if not _reset_peak_rss():
        raise RuntimeError('cannot reset the peak RSS on this system')
    step()
    return _rss_kib('VmHWM') * 1024 - base


def run_child(cmd: Sequence[str], env: dict) -> dict:
    """Run a benchmark child process; return the json of its last line."""
    out = subprocess.run(list(cmd), check=True, capture_output=True,
                         text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])
