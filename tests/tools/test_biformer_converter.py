"""tools/model_converters/biformer_to_mmdet.py against the key names and
shapes of the official BiFormer-S ImageNet checkpoint
(tests/fixtures/biformer_s_official_keys.txt, written down from
``biformer_small`` of rayleizhu/BiFormer at 1697bbb)."""
import argparse
import os.path as osp

import torch

from projects.common.testing import ROOT
from projects.common.testing import run_tool_in_process as run_tool
from projects.common.testing import tool_main
from projects.biformer import BiFormer

CONVERTER = 'tools/model_converters/biformer_to_mmdet.py'
FIXTURE = osp.join(ROOT, 'tests', 'fixtures', 'biformer_s_official_keys.txt')
RETINA = 'configs/biformer/retinanet_biformer-s_fpn_8xb2-1x_coco.py'


def _official():
    state = {}
    g = torch.Generator().manual_seed(0)
    for line in open(FIXTURE):
        key, shape = line.split()
        dims = [] if shape == 'scalar' else [int(d) for d in shape.split(',')]
        state[key] = torch.randn(dims, generator=g) if dims else \
            torch.tensor(7)
    return state


def test_fixture_is_the_official_small_model():
    state = _official()
    assert len(state) == 518
    params = sum(v.numel() for k, v in state.items()
                 if not k.endswith(('running_mean', 'running_var',
                                    'num_batches_tracked')))
    assert params == 25_536_232  # README: 25.5 M


def test_cli_converts_every_key(tmp_path):
    state = _official()
    src = str(tmp_path / 'biformer_small_best.pth')
    torch.save({'model': state, 'args': argparse.Namespace(lr=5e-4),
                'epoch': 299}, src)
    dst = str(tmp_path / 'out' / 'biformer-s.pth')
    result = run_tool([CONVERTER, src, dst])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'dropped 7 unused' in result.stdout
    converted = torch.load(dst, weights_only=True)['state_dict']
    model = BiFormer('small')
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert unexpected == []
    assert all(k.startswith('extra_norms.') for k in missing)
    assert torch.equal(converted['stages.2.5.attn.qkv.weight'],
                       state['stages.2.5.attn.qkv.qkv.weight'])
    assert torch.equal(converted['stages.3.1.mlp.2.weight'],
                       state['stages.3.1.mlp.3.weight'])
    assert not any(k.startswith(('head.', 'norm.')) for k in converted)


def test_unplaced_key_fails_and_writes_nothing(tmp_path, capsys):
    state = _official()
    state['stages.0.0.attn.router.emb.weight'] = torch.zeros(64, 64)
    del state['stages.1.2.norm1.bias']
    src = str(tmp_path / 'bad.pth')
    torch.save({'model': state}, src)
    dst = str(tmp_path / 'bad_out.pth')
    assert tool_main(CONVERTER)([src, dst]) == 1 and not osp.exists(dst)
    err = capsys.readouterr().err
    assert 'converted key not in the model: stages.0.0.attn.router.emb' in \
        err
    assert 'model key left unfilled: stages.1.2.norm1.bias' in err


def test_detector_checkpoint_needs_and_uses_the_config(tmp_path, capsys):
    """An official mmdet-2 RetinaNet checkpoint: backbone renamed, the
    unused stage-1 extra norm dropped, neck and head kept."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    cfg = Config.fromfile(osp.join(ROOT, RETINA))
    cfg.model.backbone.init_cfg = None
    target = MODELS.build(cfg.model).state_dict()
    state = {}
    for k, v in _official().items():
        if not k.startswith(('head.', 'norm.')):
            state['backbone.' + k] = v
    for i, c in enumerate([64, 128, 256, 512]):
        state[f'backbone.extra_norms.{i}.weight'] = torch.ones(c)
        state[f'backbone.extra_norms.{i}.bias'] = torch.zeros(c)
    for k, v in target.items():
        if not k.startswith('backbone.'):
            state[k] = torch.randn(v.shape) if v.dim() else v
    src = str(tmp_path / 'retinanet_biformer_small.pth')
    torch.save({'state_dict': state, 'meta': {}}, src)
    dst = str(tmp_path / 'det.pth')
    assert tool_main(CONVERTER)([src, dst]) == 1
    assert '--config' in capsys.readouterr().err
    result = run_tool([CONVERTER, src, dst, '--config', RETINA])
    assert result.returncode == 0, result.stderr[-3000:]
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert set(converted) == set(target)
    assert torch.equal(converted['bbox_head.retina_cls.weight'],
                       state['bbox_head.retina_cls.weight'])
