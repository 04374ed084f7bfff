"""The toy Focus-DETR config through tools/train.py and tools/test.py."""
import glob
import os.path as osp

from projects.common.testing import ROOT, run_tool, toy_options, train_toy

CONFIG = osp.join(ROOT, 'configs', 'focus_detr',
                  'focus-detr_r18_1xb8-500i_toy.py')


def test_toy_trains_and_tests_through_the_tools(toy_data, tmp_path):
    work = str(tmp_path / 'work')
    checkpoint = train_toy(CONFIG, toy_data, work, 2,
                           **{'default_hooks.logger.interval': 1})
    out = str(tmp_path / 'preds.pkl')
    result = run_tool(['tools/test.py', CONFIG, checkpoint, '--work-dir',
                       work, '--out', out] + toy_options(toy_data))
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout + result.stderr
    assert 'coco/bbox_mAP:' in text
    assert osp.getsize(out) > 0
    train_log = sorted(glob.glob(osp.join(work, '*', '*.log')))[0]
    with open(train_log) as f:
        assert 'loss_fts' in f.read()
