"""The toy Focus-DETR config through tools/train.py and tools/test.py."""
import os.path as osp

from projects.common.testing import ROOT, train_and_test_toy

CONFIG = osp.join(ROOT, 'configs', 'focus_detr',
                  'focus-detr_r18_1xb8-500i_toy.py')


def test_toy_trains_and_tests_through_the_tools(toy_data, tmp_path):
    assert 'loss_fts' in train_and_test_toy(CONFIG, toy_data, tmp_path)


def test_encoder_benchmark_counts_fewer_flops_than_dino(capsys):
    """tools/analysis_tools/benchmark_focus_detr.py on a small image: the
    selector + cascade encoder costs fewer FLOPs than DINO's encoder on the
    same 426 tokens (0.5 ... 0.1 of them per layer), and the deformable
    sampling is counted (DINO's encoder is mostly sampling and FFN)."""
    import re
    from projects.common.testing import tool_main
    tool_main('tools/analysis_tools/benchmark_focus_detr.py')(
        ['--encoder-size', '128', '160', '--skip-model', '--repeats', '1'])
    out = capsys.readouterr().out
    line = re.search(r'encoder at 128x160 \((\d+) tokens\).*Focus-DETR '
                     r'([\d.]+) GFLOPs.*DINO ([\d.]+) GFLOPs.*= ([\d.]+)x '
                     r'FLOPs', out)
    assert line, out
    tokens, focus, dino, ratio = (float(g) for g in line.groups())
    assert tokens == 16 * 20 + 8 * 10 + 4 * 5 + 2 * 3
    assert 0 < focus < dino and ratio < 1
