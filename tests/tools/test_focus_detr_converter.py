"""The Focus-DETR key rules (projects/focus_detr/checkpoint.py) and
tools/model_converters/focus_detr_to_mmdet.py against the official
checkpoint's key names and shapes (tests/fixtures, written down from the
detrex R-50 model, ``projects/focus_detr/configs/focus_detr_resnet/
focus_detr_r50_4scale_12ep.py``, built on CPU)."""
import os.path as osp
import pickle
import zipfile

import pytest
import torch

from projects.common.testing import ROOT, fixture_state_dict
from projects.common.testing import run_tool_in_process as run_tool
from projects.common.testing import tool_main
from projects.common.utils import check_state_dict, model_state_from_config
from projects.focus_detr import checkpoint as rules

CONVERTER = osp.join(ROOT, 'tools', 'model_converters',
                     'focus_detr_to_mmdet.py')
FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                   'focus_detr_r50_official_keys.txt')
CONFIG = osp.join(ROOT, 'configs', 'focus_detr',
                  'focus-detr_r50_8xb2-12e_coco.py')
#: entries of the detrex R-50 state dict (parameters and FrozenBN buffers)
NUM_OFFICIAL_KEYS = 705
#: of which other names of shared modules: the decoder's 7 classifiers (2
#: tensors) and 7 box MLPs (6), the encoder's 6 class-score heads under
#: two names (2 each)
NUM_ALIASES = 7 * 2 + 7 * 6 + 2 * 6 * 2


def _official(fill=None):
    """A state dict with the official names and shapes."""
    return fixture_state_dict(FIXTURE, random=fill is not None)


@pytest.fixture(scope='module')
def model_state():
    return model_state_from_config(CONFIG)


def test_every_official_key_maps_with_the_right_shape(model_state):
    official = _official()
    assert len(official) == NUM_OFFICIAL_KEYS
    converted, unplaced, dropped = rules.convert_official_focus_detr(official)
    assert unplaced == []
    assert check_state_dict(converted, model_state) == []
    assert set(converted) == set(model_state)
    assert len(dropped) == NUM_ALIASES
    assert converted['bbox_head.cls_branches.6.weight'].shape == (80, 256)
    assert converted['fts.alpha'].shape == (3, )


def test_names_follow_the_official_modules():
    official = _official(fill='random')
    converted, _, _ = rules.convert_official_focus_detr(official)
    expected = {
        'backbone.conv1.weight': 'backbone.stem.conv1.weight',
        'backbone.bn1.running_var': 'backbone.stem.conv1.norm.running_var',
        'backbone.layer1.0.downsample.0.weight':
        'backbone.res2.0.shortcut.weight',
        'backbone.layer3.5.bn2.weight': 'backbone.res4.5.conv2.norm.weight',
        'neck.convs.2.gn.bias': 'neck.convs.2.norm.bias',
        'neck.extra_convs.0.conv.weight': 'neck.extra_convs.0.conv.weight',
        'memory_trans_fc.weight': 'transformer.enc_output.weight',
        'fts.predictor.layer2.4.weight':
        'transformer.enc_mask_predictor.layer2.4.weight',
        'encoder.layers.3.oesm_attn.attn.in_proj_weight':
        'transformer.encoder.layers.3.attentions.0.attn.in_proj_weight',
        'encoder.layers.3.oesm_norm.weight':
        'transformer.encoder.layers.3.norm2.weight',
        'encoder.layers.5.self_attn.sampling_offsets.weight':
        'transformer.encoder.layers.5.attentions.1.sampling_offsets.weight',
        'encoder.layers.0.ffn.layers.0.0.weight':
        'transformer.encoder.layers.0.ffns.0.layers.0.0.weight',
        'decoder.layers.2.cross_attn.value_proj.bias':
        'transformer.decoder.layers.2.attentions.1.value_proj.bias',
        'decoder.layers.2.norms.2.weight':
        'transformer.decoder.layers.2.norms.2.weight',
        'bbox_head.reg_branches.4.4.weight': 'bbox_embed.4.layers.2.weight',
        'dn_query_generator.label_embedding.weight': 'label_enc.weight',
    }
    for ours, theirs in expected.items():
        torch.testing.assert_close(converted[ours], official[theirs])


def test_problems_are_listed(model_state):
    official = _official()
    official['transformer.mystery.weight'] = torch.empty(3)
    del official['transformer.alpha']
    official['neck.convs.0.conv.bias'] = torch.empty(7)
    converted, unplaced, _ = rules.convert_official_focus_detr(official)
    assert unplaced == ['transformer.mystery.weight']
    problems = check_state_dict(converted, model_state)
    assert 'model key left unfilled: fts.alpha' in problems
    assert any('neck.convs.0.conv.bias' in p and 'shape' in p
               for p in problems), problems


def test_cli_writes_a_loadable_checkpoint_from_pth_pkl_and_zip(tmp_path):
    official = _official(fill='random')
    src = str(tmp_path / 'model_final.pth')
    torch.save({'model': official, 'iteration': 89999}, src)
    pkl = str(tmp_path / 'model_final.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump({'model': {k: v.numpy() for k, v in official.items()}},
                    f)
    archive = str(tmp_path / 'focus_detr_r50_4scale_12ep.zip')
    with zipfile.ZipFile(archive, 'w') as z:
        z.write(src, 'focus_detr_r50_4scale_12ep/model_final.pth')
    for i, path in enumerate((src, pkl, archive)):
        dst = str(tmp_path / 'out' / f'converted{i}.pth')
        if i == 0:  # the command line end to end once; then in-process
            result = run_tool([CONVERTER, path, dst, '--config', CONFIG])
            assert result.returncode == 0, result.stderr[-3000:]
        else:
            assert tool_main(CONVERTER)([path, dst, '--config', CONFIG]) == 0
        checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
        assert checkpoint['meta']['dataset_meta']['classes'][0] == 'person'
        state = checkpoint['state_dict']
        torch.testing.assert_close(state['fts.alpha'],
                                   official['transformer.alpha'])
    # a broken file gives no output
    torch.save({'model': {'transformer.unknown': torch.zeros(1)}}, src)
    bad_dst = str(tmp_path / 'bad.pth')
    assert tool_main(CONVERTER)([src, bad_dst, '--config', CONFIG]) == 1
    assert not osp.exists(bad_dst)


def test_zip_with_two_checkpoints_names_the_fix(tmp_path):
    archive = str(tmp_path / 'two.zip')
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('a/model_final.pth', b'x')
        z.writestr('a/model_0004999.pth', b'x')
    with pytest.raises(ValueError, match='unzip it'):
        rules.read_official_checkpoint(archive)
