"""The toy Plain-DETR config through tools/train.py and tools/test.py."""
import os.path as osp

from projects.common.testing import ROOT, train_and_test_toy

CONFIG = osp.join(ROOT, 'configs', 'plain_detr',
                  'plain-detr_r18_1xb8-500i_toy.py')


def test_toy_trains_and_tests_through_the_tools(toy_data, tmp_path):
    assert 'loss_cls_one2many' in train_and_test_toy(CONFIG, toy_data, tmp_path)
