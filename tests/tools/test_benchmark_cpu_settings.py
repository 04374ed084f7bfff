"""tools/analysis_tools/benchmark_cpu_settings.py runs both parts and
prints its ratios (the timings themselves are not asserted)."""
import re

from projects.common.testing import run_tool


def test_prints_both_parts_with_ratios():
    result = run_tool(['tools/analysis_tools/benchmark_cpu_settings.py',
                       '--floats', '100000', '--repeats', '1', '--batch',
                       '2'])
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for name in ('default malloc', 'blocks kept'):
        assert re.search(name + r' +new output +[0-9.]+ ms +reused output'
                         r' +[0-9.]+ ms +new / reused [0-9.]+x', out), out
    for title in ('backbone forward + backward', 'whole training step'):
        assert f'[layout] {title}, 2 x 128x128' in out, out
    assert len(re.findall(r'channels_last +[0-9.]+ s +[0-9.]+x contiguous',
                          out)) == 2, out
