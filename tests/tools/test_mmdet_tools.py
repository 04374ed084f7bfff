"""mmdet's own analysis tools (run through tools/analysis_tools/
mmdet_tool.py) on this project's toy config: FLOPs, inference benchmark,
dataset browsing, training curves and the confusion matrix."""
import glob
import os.path as osp

import pytest

from projects.common.testing import RELATION_TOY_CONFIG as CONFIG
from projects.common.testing import run_tool

TOOL = 'tools/analysis_tools/mmdet_tool.py'
ENV = {'MPLBACKEND': 'Agg'}


@pytest.fixture(scope='module')
def trained(relation_toy_trained):
    """The toy Relation-DETR of the learning check, with its training log
    (losses and an mAP) and saved test predictions."""
    return relation_toy_trained


def _run(args):
    result = run_tool([TOOL] + args, env=ENV)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout + result.stderr


def test_lists_the_tools_and_refuses_unknown_ones():
    text = _run(['--list'])
    for name in ('get_flops', 'benchmark', 'browse_dataset', 'analyze_logs',
                 'confusion_matrix'):
        assert name in text
    result = run_tool([TOOL, 'no_such_tool'])
    assert result.returncode == 2 and 'no_such_tool' in result.stderr


def test_get_flops(trained):
    text = _run(['get_flops', CONFIG, '--num-images', '1'] +
                trained['options'])
    assert 'Flops:' in text and 'Params:' in text


def test_benchmark_inference(trained):
    text = _run(['benchmark', CONFIG, '--checkpoint', trained['ckpt'],
                 '--task', 'inference', '--max-iter', '4', '--num-warmup',
                 '1', '--log-interval', '2', '--repeat-num', '1'] +
                trained['options'])
    assert 'Overall fps' in text


def test_browse_dataset(trained, tmp_path):
    _run(['browse_dataset', CONFIG, '--output-dir', str(tmp_path),
          '--not-show'] + trained['options'])
    assert len(glob.glob(osp.join(str(tmp_path), '*.png'))) >= 20


def test_analyze_logs_plot_curve(trained, tmp_path):
    out = str(tmp_path / 'loss.png')
    _run(['analyze_logs', 'plot_curve', trained['log'], '--keys', 'loss',
          '--out', out])
    assert osp.getsize(out) > 1000


def test_confusion_matrix(trained, tmp_path):
    _run(['confusion_matrix', CONFIG, trained['preds'], str(tmp_path),
          '--score-thr', '0.0'] + trained['options'])
    assert osp.isfile(osp.join(str(tmp_path), 'confusion_matrix.png'))
