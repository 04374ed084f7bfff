"""tools/analysis_tools/toy_ablations.py: each ablation config's model diff
against its base, replayed on the toy config."""
import argparse
import os.path as osp

import pytest
from mmengine.config import Config, DictAction

from mmdet.registry import MODELS
from mmdet.utils import register_all_modules

from projects.common.testing import ROOT, tool_main
from projects.common.utils import UserInputError

ABLATIONS = osp.join(ROOT, 'configs', 'relation_detr', 'ablations')
BASE = osp.join(ROOT, 'configs', 'relation_detr',
                'relation-detr_r50_8xb2-12e_coco.py')


def _tool():
    return tool_main('tools/analysis_tools/toy_ablations.py').__globals__


def test_diffs_are_the_switches_of_each_ablation():
    model_diff = _tool()['model_diff']
    base = Config.fromfile(BASE).model.to_dict()

    def diff(name):
        return model_diff(base, Config.fromfile(
            osp.join(ABLATIONS, name + '.py')).model.to_dict())

    assert diff('relation-detr_r50-no-hybrid_8xb2-12e_coco') == {
        'num_hybrid_queries': 0}
    assert diff('relation-detr_r50-no-relation_8xb2-12e_coco') == {
        'decoder.with_position_relation': False}
    assert diff('relation-detr_r50-focal-loss_8xb2-12e_coco') == {
        'bbox_head.loss_cls.type': 'FocalLoss',
        'bbox_head.loss_cls.use_sigmoid': True}
    baseline = diff('dino_r50-baseline_8xb2-12e_coco')
    assert baseline['encoder.with_memory_fusion'] is False
    assert baseline['decoder.with_query_scale'] is False


def test_a_removed_key_cannot_be_replayed():
    model_diff = _tool()['model_diff']
    with pytest.raises(UserInputError, match='removes model.neck.kernel_size'):
        model_diff(dict(neck=dict(kernel_size=1, act_cfg=None)),
                   dict(neck=dict(act_cfg=None)))


def test_replayed_options_build_the_ablated_toy_model():
    """The --cfg-options the tool passes (model.<key>=<value>) give the toy
    model without the switched-off part."""
    tool = _tool()
    options = [tool['_option'](f'model.{k}', v) for k, v in {
        'num_hybrid_queries': 0,
        'decoder.with_position_relation': False}.items()]
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'relation_detr',
                                   'relation-detr_r18_1xb4-1000i_toy.py'))
    cfg.merge_from_dict(parser.parse_args(['--cfg-options'] +
                                          options).cfg_options)
    register_all_modules()
    model = MODELS.build(cfg.model)
    assert not hasattr(model, 'hybrid_query_embedding')
    assert not hasattr(model.decoder, 'position_relation_embedding')
    assert hasattr(model.encoder, 'memory_fusion')
