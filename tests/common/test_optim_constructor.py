"""ParamNameOptimWrapperConstructor (projects/common/engine/
optim_constructor.py): every name rule applies, as the official
Plain-DETR get_param_dict / get_layerwise_param_dict do."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch import nn

import projects.common  # noqa: F401
import projects.plain_detr  # noqa: F401
from mmdet.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.utils import register_all_modules
from projects.common.testing import ROOT

NO_DECAY = ['norm', 'bias', 'rpb_mlp', 'cpb_mlp', 'logit_scale',
            'relative_position_bias_table', 'level_embed',
            'reference_points', 'sampling_offsets', 'rel_pos']


def _groups(model, optim_wrapper):
    register_all_modules()
    cfg = dict(optim_wrapper)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type=cfg.pop('constructor'), optim_wrapper_cfg=cfg,
        paramwise_cfg=cfg.pop('paramwise_cfg', None)))
    optimizer = constructor(model).optimizer
    names = {id(p): n for n, p in model.named_parameters()}
    return {names[id(g['params'][0])]: (g['lr'], g['weight_decay'])
            for g in optimizer.param_groups}


def osp_config(name):
    return osp.join(ROOT, 'configs', 'plain_detr', name)


class _Toy(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.ModuleDict(dict(fc=nn.Linear(2, 2),
                                           norm=nn.LayerNorm(2)))
        self.head = nn.Linear(2, 2)
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)


def test_rules_compose_as_the_official_groups():
    """Official supervised recipe: lr 2e-5 for the backbone, weight decay 0
    for the no-decay names, both for a backbone norm or bias (mmengine's
    custom_keys would apply only the longest key)."""
    cfg = Config.fromfile(osp_config('plain-detr_swinv2-s_16xb1-12e_coco.py'))
    groups = _groups(_Toy(), cfg.optim_wrapper)
    assert 'frozen.weight' not in groups
    for name, (lr, wd) in groups.items():
        official_lr = 2e-5 if name.startswith('backbone.') else 2e-4
        official_wd = 0.0 if any(k in name for k in NO_DECAY) else 0.05
        assert (lr, wd) == pytest.approx((official_lr, official_wd)), name
    assert groups['backbone.norm.weight'] == pytest.approx((2e-5, 0.0))


def test_layer_decay_of_the_reparam_recipe():
    """Official MIM recipe: backbone lr 2e-4 * 0.9 ** (25 - layer id), the
    rest 2e-4 (official get_swin_layer_id: patch embedding 0, the blocks
    1..24, the output norm 25)."""
    register_all_modules()
    cfg = Config.fromfile(
        osp_config('plain-detr-reparam_swinv2-s-mim_16xb1-12e_coco.py'))

    class Model(nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = MODELS.build(dict(
                type='PlainDETRSwinTransformerV2',
                arch=dict(embed_dims=96, depths=[2, 2, 18, 2],
                          num_heads=[3, 6, 12, 24],
                          extra_norm_every_n_blocks=0)))
            self.head = nn.Linear(2, 2)

    groups = _groups(Model(), cfg.optim_wrapper)
    lr = lambda layer_id: 2e-4 * 0.9**(25 - layer_id)  # noqa: E731
    expected = {
        'backbone.patch_embed.projection.weight': (lr(0), 0.05),
        'backbone.stages.0.blocks.0.attn.w_msa.qkv.weight': (lr(1), 0.05),
        'backbone.stages.2.blocks.17.ffn.layers.1.weight': (lr(22), 0.05),
        'backbone.stages.3.downsample.reduction.weight': (lr(22), 0.05),
        'backbone.stages.3.blocks.1.norm2.weight': (lr(24), 0.0),
        'backbone.stages.1.blocks.0.attn.w_msa.cpb_mlp.0.weight': (lr(3),
                                                                   0.0),
        'backbone.norm3.weight': (lr(25), 0.0),
        'head.weight': (2e-4, 0.05),
    }
    for name, value in expected.items():
        assert groups[name] == pytest.approx(value), name


def test_unknown_keys_and_missing_depths_are_clear_errors():
    register_all_modules()
    with pytest.raises(ValueError, match='custom_keys'):
        OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type='ParamNameOptimWrapperConstructor',
            optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            paramwise_cfg=dict(custom_keys={})))
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='ParamNameOptimWrapperConstructor',
        optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        paramwise_cfg=dict(layer_decay_rate=0.9)))
    with pytest.raises(ValueError, match='get_layer_depth'):
        constructor(_Toy())
    # without rules: every trainable parameter at the base settings
    plain = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='ParamNameOptimWrapperConstructor',
        optim_wrapper_cfg=dict(optimizer=dict(type='AdamW', lr=1e-3,
                                              weight_decay=0.1))))
    groups = plain(_Toy()).optimizer.param_groups
    assert len(groups) == 6
    assert all(g['lr'] == 1e-3 and g['weight_decay'] == 0.1 for g in groups)
    assert torch.is_tensor(groups[0]['params'][0])
