"""The BiFormer and ELA toy configs train and test through tools/train.py
and tools/test.py (COCO mAP printed)."""
import os.path as osp

import pytest

from projects.common.testing import ROOT, run_tool, toy_options, train_toy

CONFIGS = [
    osp.join(ROOT, 'configs', 'biformer',
             'retinanet_biformer-mini_fpn_1xb8-500i_toy.py'),
    osp.join(ROOT, 'configs', 'ela',
             'retinanet_r18-ela-b_fpn_1xb8-500i_toy.py'),
]


@pytest.mark.parametrize('config', CONFIGS, ids=['biformer', 'ela'])
def test_train_then_test(config, toy_data, tmp_path):
    work = str(tmp_path / 'work')
    checkpoint = train_toy(config, toy_data, work, 3)
    # after 3 iterations no score passes RetinaNet's 0.05 threshold
    result = run_tool(['tools/test.py', config, checkpoint, '--work-dir',
                       work] + toy_options(toy_data,
                                           **{'model.test_cfg.score_thr': 0}))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'coco/bbox_mAP' in result.stdout + result.stderr
