"""The Plain-DETR key rules (projects/plain_detr/checkpoint.py) and
tools/model_converters/plain_detr_to_mmdet.py against the official
checkpoint's key names and shapes (tests/fixtures, written down from the
official R-50 BoxRPB model of impiga/Plain-DETR at 6ad930b)."""
import os.path as osp

import pytest
import torch

from projects.common.testing import ROOT, fixture_state_dict
from projects.common.testing import run_tool_in_process as run_tool
from projects.common.testing import tool_main
from projects.common.utils import (COCO_CATEGORY_IDS, check_state_dict,
                                   model_state_from_config)
from projects.plain_detr import checkpoint as rules

CONVERTER = osp.join(ROOT, 'tools', 'model_converters',
                     'plain_detr_to_mmdet.py')
FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                   'plain_detr_r50_official_keys.txt')
CONFIG = osp.join(ROOT, 'configs', 'plain_detr',
                  'plain-detr_r50_8xb2-12e_coco.py')


def _official(fill=None):
    """A state dict with the official names and shapes."""
    return fixture_state_dict(FIXTURE, random=fill is not None)


@pytest.fixture(scope='module')
def model_state():
    return model_state_from_config(CONFIG)


def test_every_official_key_maps_with_the_right_shape(model_state):
    official = _official()
    assert len(official) == 573
    result = rules.convert_for_model(official, model_state)
    assert result.unplaced == []
    # the decoder's class / box heads are the model's, shared: 7 x 2 + 7 x 6
    assert len(result.dropped) == 56
    assert all(k.startswith('transformer.decoder.') for k in result.dropped)
    assert check_state_dict(result.state_dict, model_state) == []
    # FrozenBN has no batch counter (the writer fills them in)
    assert all(k.endswith('num_batches_tracked')
               for k in set(model_state) - set(result.state_dict))


def test_class_rows_and_the_objectness_row():
    official = _official(fill='random')
    converted, _, _ = rules.convert_official_plain_detr(
        official, class_rows=COCO_CATEGORY_IDS)
    # decoder heads: mmdet class 11 (stop sign) is COCO id 13
    head = official['class_embed.2.weight']
    torch.testing.assert_close(
        converted['bbox_head.cls_branches.2.weight'][11], head[13])
    torch.testing.assert_close(
        converted['bbox_head.cls_branches.2.weight'][0], head[1])
    # encoder head: row 0 is objectness (ranked by the top-K) and stays
    enc = official['class_embed.6.bias']
    torch.testing.assert_close(converted['bbox_head.cls_branches.6.bias'][0],
                               enc[0])
    torch.testing.assert_close(
        converted['bbox_head.cls_branches.6.bias'][1:],
        enc[list(COCO_CATEGORY_IDS[1:])])


def test_names_follow_the_official_modules():
    official = _official(fill='random')
    converted, _, _ = rules.convert_official_plain_detr(official)
    expected = {
        'decoder.layers.3.norms.0': 'transformer.decoder.layers.3.norm2',
        'decoder.layers.3.norms.1': 'transformer.decoder.layers.3.norm1',
        'decoder.layers.3.norms.2': 'transformer.decoder.layers.3.norm3',
        'decoder.layers.1.ffn.layers.0.0':
        'transformer.decoder.layers.1.linear1',
        'decoder.layers.1.ffn.layers.1':
        'transformer.decoder.layers.1.linear2',
        'decoder.norm': 'transformer.decoder.final_layer_norm',
        'neck.0.upsample': 'backbone.0.upsample.0',
        'neck.1.convs.0.conv': 'input_proj.0.0',
        'neck.1.convs.0.gn': 'input_proj.0.1',
        'enc_output_proj.branches.3.1.ln':
        'transformer.enc_output_proj.3.1.ln',
        'bbox_head.reg_branches.6.4': 'bbox_embed.6.layers.2',
        'memory_trans_fc': 'transformer.enc_output',
        'pos_trans_norm': 'transformer.pos_trans_norm',
    }
    for ours, theirs in expected.items():
        for suffix in ('weight', 'bias'):
            torch.testing.assert_close(converted[f'{ours}.{suffix}'],
                                       official[f'{theirs}.{suffix}'])
    torch.testing.assert_close(
        converted['decoder.layers.5.cross_attn.cpb_mlp2.2.weight'],
        official['transformer.decoder.layers.5.cross_attn.cpb_mlp2.2.weight'])


def test_cli_writes_a_loadable_checkpoint(tmp_path, capsys):
    src = str(tmp_path / 'official.pth')
    torch.save({'model': _official(fill='random')}, src)
    dst = str(tmp_path / 'out' / 'converted.pth')
    result = run_tool([CONVERTER, src, dst, '--config', CONFIG])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'dropped 56 unused' in result.stdout
    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    assert checkpoint['meta']['dataset_meta']['classes'][0] == 'person'
    # + the 53 BatchNorm counters the writer fills in
    assert len(checkpoint['state_dict']) == 573 - 56 + 53
    # an official key no rule places: listed, nothing written
    broken = _official()
    broken['transformer.mystery.weight'] = torch.zeros(1)
    del broken['transformer.decoder.layers.2.cross_attn.q.bias']
    torch.save({'model': broken}, src)
    bad_dst = str(tmp_path / 'bad.pth')
    assert tool_main(CONVERTER)([src, bad_dst, '--config', CONFIG]) == 1
    assert not osp.exists(bad_dst)
    err = capsys.readouterr().err
    assert 'transformer.mystery.weight' in err
    assert 'decoder.layers.2.cross_attn.q.bias' in err


SWIN_FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                        'plain_detr_swinv2-s_official_keys.txt')
SWIN_CONFIG = osp.join(ROOT, 'configs', 'plain_detr',
                       'plain-detr_swinv2-s_16xb1-12e_coco.py')


@pytest.fixture(scope='module')
def swin_state():
    return model_state_from_config(SWIN_CONFIG)


def test_swin_v2_checkpoint_maps_with_the_right_shapes(swin_state):
    """The official Swin-V2-S model (swin_v2_small_window16_2global): every
    weight placed, the window buffers dropped, the merging permuted."""
    official = fixture_state_dict(SWIN_FIXTURE, random=True)
    result = rules.convert_for_model(official, swin_state, SWIN_CONFIG)
    assert result.unplaced == []
    buffers = [k for k in result.dropped
               if k.endswith(rules.SWIN_BUFFERS)]
    # 2 buffers in each of the 22 window blocks, none in the 2 global ones
    assert len(buffers) == 44
    assert check_state_dict(result.state_dict, result.target) == []
    body = 'backbone.0.net.body.'
    names = {
        'backbone.stages.2.blocks.5.attn.w_msa.cpb_mlp.2.weight':
        'layers.2.blocks.5.attn.cpb_mlp.2.weight',
        'backbone.stages.3.blocks.1.attn.w_msa.logit_scale':
        'layers.3.blocks.1.attn.logit_scale',
        'backbone.stages.1.blocks.0.ffn.layers.0.0.weight':
        'layers.1.blocks.0.mlp.fc1.weight',
        'backbone.stages.0.blocks.1.norm2.bias':
        'layers.0.blocks.1.norm2.bias',
        'backbone.stages.3.downsample.norm.weight':
        'layers.2.downsample.norm.weight',
        'backbone.patch_embed.projection.weight': 'patch_embed.proj.weight',
        'backbone.norm3.bias': 'norm3.bias',
    }
    for ours, theirs in names.items():
        torch.testing.assert_close(result.state_dict[ours],
                                   official[body + theirs])
    torch.testing.assert_close(
        result.state_dict['backbone.stages.2.downsample.reduction.weight'],
        rules.unfold_reduction_order(
            official[body + 'layers.1.downsample.reduction.weight']))
    # a ResNet config for a Swin checkpoint: a clear error
    with pytest.raises(ValueError, match='swinv2-s'):
        rules.convert_for_model(official, model_state_from_config(CONFIG),
                                CONFIG)


def test_official_pretrained_swin_v2_alone(swin_state, tmp_path):
    """The SimMIM pre-training checkpoint (encoder. prefix, rpe_mlp names,
    mask token, decoder) becomes backbone.* weights for init_cfg."""
    body = 'backbone.0.net.body.'
    official = {
        'encoder.' + k[len(body):].replace('cpb_mlp', 'rpe_mlp'): v
        for k, v in fixture_state_dict(SWIN_FIXTURE, random=True).items()
        if k.startswith(body) and not k.startswith(body + 'norm3')
    }
    official['encoder.layers.0.blocks.1.attn_mask'] = torch.zeros(4, 256, 256)
    official['encoder.mask_token'] = torch.zeros(1, 1, 96)
    official['encoder.norm.weight'] = torch.ones(768)
    official['decoder.0.weight'] = torch.zeros(3, 768, 1, 1)
    src = str(tmp_path / 'mim.pth')
    torch.save({'model': official}, src)
    dst = str(tmp_path / 'backbone.pth')
    assert tool_main(CONVERTER)([src, dst, '--config', SWIN_CONFIG]) == 0
    state = torch.load(dst, map_location='cpu',
                       weights_only=True)['state_dict']
    assert all(k.startswith('backbone.') for k in state)
    torch.testing.assert_close(
        state['backbone.stages.1.blocks.1.attn.w_msa.cpb_mlp.0.bias'],
        official['encoder.layers.1.blocks.1.attn.rpe_mlp.0.bias'])
    # loads into the backbone as init_cfg does (prefix backbone.)
    from mmengine.runner.checkpoint import _load_checkpoint_with_prefix
    weights = _load_checkpoint_with_prefix('backbone.', dst)
    backbone = {k[len('backbone.'):]: v for k, v in swin_state.items()
                if k.startswith('backbone.')}
    # every weight but the detection output norm (no such norm in
    # pre-training; it keeps its initialisation, as officially)
    assert set(weights) == {k for k in backbone
                            if not k.endswith(rules.SWIN_BUFFERS)
                            and not k.startswith('norm3.')}
