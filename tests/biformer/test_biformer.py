"""BiFormer backbone contracts (every variant), checkpoint loading, and the
parameter counts of the official models."""
import argparse

import pytest
import torch
from torch import nn

from projects.biformer import BiFormer
from projects.biformer.biformer_layers import AttentionLePE, LayerNorm2d

ARCHS = ['tiny', 'small', 'base']
DIMS = dict(tiny=[64, 128, 256, 512], small=[64, 128, 256, 512],
            base=[96, 192, 384, 768])


@pytest.fixture(scope='module', params=ARCHS)
def arch(request):
    return request.param


def _expected_parameters(depths, dims, mlp_ratio=3):
    """BiFormer's parameter count written out from the architecture."""
    c0 = dims[0]
    # stem: conv3x3 3 -> C0/2 + BN, GELU, conv3x3 C0/2 -> C0 + BN
    total = (27 * c0 // 2 + c0 // 2) + c0 + (9 * c0 // 2 * c0 + c0) + 2 * c0
    # downsampling between stages: conv3x3 C_i -> C_i+1 (+ bias) + BN
    total += sum(9 * a * b + b + 2 * b for a, b in zip(dims, dims[1:]))
    for stage, (depth, c) in enumerate(zip(depths, dims)):
        hidden = mlp_ratio * c
        block = (9 * c + c)                 # depthwise 3x3 position conv
        block += 2 * c + 2 * c              # norm1, norm2
        block += (c * hidden + hidden) + (hidden * c + c)  # MLP
        block += 25 * c + c                 # 5x5 depthwise LCE / LePE
        if stage < 3:   # BRA: qkv Linear C -> 3C and wo, both with bias
            block += (3 * c * c + 3 * c) + (c * c + c)
        else:           # global attention: qkv without bias, proj with
            block += 3 * c * c + (c * c + c)
        total += depth * block
    return total + sum(2 * c for c in dims)  # the four extra LayerNorms


@pytest.mark.parametrize('arch_name,millions', [
    ('tiny', 12.631), ('small', 25.024), ('base', 56.037)])
def test_parameter_counts_equal_the_official_backbones(arch_name, millions):
    """Official detection backbones (classifier head and final BN removed,
    four extra norms): T 12.63 M, S 25.02 M, B 56.04 M (the official
    ImageNet models: 13.1 / 25.5 / 56.8 M)."""
    arch = BiFormer.arch_zoo[arch_name]
    expected = _expected_parameters(arch['depths'], arch['embed_dims'])
    assert round(expected / 1e6, 3) == millions
    n = sum(p.numel() for p in BiFormer(arch_name).parameters())
    assert n == expected
    # the ImageNet classifier: no extra norms, + final BN and 1000-way head
    c = DIMS[arch_name]
    classifier = n - 2 * sum(c) + 2 * c[3] + (c[3] + 1) * 1000
    assert round(classifier / 1e6, 1) == dict(tiny=13.1, small=25.5,
                                              base=56.8)[arch_name]


def test_forward_odd_size_channels_and_strides(arch):
    model = BiFormer(arch, n_win=7).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 97, 131))
    assert [o.shape[1] for o in outs] == DIMS[arch]
    # strides 4, 8, 16, 32 with ceil rounding of the stride-2 convs
    assert [tuple(o.shape[2:]) for o in outs] == [(25, 33), (13, 17), (7, 9),
                                                   (4, 5)]
    assert model.num_features == tuple(DIMS[arch])


def test_backward_reaches_every_parameter(arch):
    model = BiFormer(arch, n_win=4, drop_path_rate=0.1)
    model.train()
    outs = model(torch.randn(2, 3, 64, 96))
    sum(o.mean() for o in outs).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert missing == []


def test_frozen_stages_get_no_gradient():
    model = BiFormer('tiny', n_win=4, frozen_stages=1)
    model.train()
    sum(o.mean() for o in model(torch.randn(1, 3, 64, 64))).backward()
    for name, p in model.named_parameters():
        frozen = name.startswith(('downsample_layers.0.',
                                  'downsample_layers.1.',
                                  'stages.0.', 'stages.1.', 'extra_norms.0.',
                                  'extra_norms.1.'))
        assert (p.grad is None) == frozen, name
    assert not model.stages[0].training and model.stages[2].training


def test_norm_eval_and_eval_determinism():
    model = BiFormer('tiny', n_win=4, norm_eval=True, drop_path_rate=0.2)
    model.train()
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    model.eval()
    x = torch.randn(1, 3, 70, 90)
    with torch.no_grad():
        a, b = model(x), model(x)
    for u, v in zip(a, b):
        assert torch.equal(u, v)


def test_out_indices_and_checkpointing():
    torch.manual_seed(0)
    model = BiFormer('tiny', n_win=4, out_indices=(1, 2, 3))
    assert sorted(model.extra_norms.keys()) == ['1', '2', '3']
    ref = BiFormer('tiny', n_win=4, out_indices=(1, 2, 3), with_cp=True)
    ref.load_state_dict(model.state_dict())
    x = torch.randn(1, 3, 64, 64)
    outs, outs_cp = model(x), ref(x)
    assert len(outs) == 3
    sum(o.sum() for o in outs).backward()
    sum(o.sum() for o in outs_cp).backward()
    for (n, p), q in zip(model.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-4, rtol=1e-4)


def test_extra_norm_is_not_fed_forward():
    """The official fix: stage i+1 receives the un-normalised map."""
    model = BiFormer('tiny', n_win=4).eval()
    with torch.no_grad():
        model.extra_norms['0'].weight.fill_(5.)
        x = torch.randn(1, 3, 64, 64)
        before = model(x)[1]
        model.extra_norms['0'].weight.fill_(-3.)
        assert torch.equal(model(x)[1], before)


def test_stage4_attention_as_released():
    attn = AttentionLePE(512)
    assert attn.num_heads == 8 and attn.scale == pytest.approx(64**-0.5)
    assert attn.qkv.bias is None
    x = torch.randn(1, 3, 4, 512)
    # LePE acts on the input: zero attention weights leave lepe(x) + bias
    with torch.no_grad():
        attn.qkv.weight.zero_()
        expected = attn.proj(attn.lepe(x.permute(0, 3, 1, 2)).permute(
            0, 2, 3, 1))
        torch.testing.assert_close(attn(x), expected)
    ln = LayerNorm2d(8)
    y = torch.randn(2, 8, 3, 5)
    torch.testing.assert_close(
        ln(y), nn.functional.layer_norm(y.permute(0, 2, 3, 1), (8, ),
                                        eps=1e-6).permute(0, 3, 1, 2))


def _official_tiny_state(model):
    """An official-format state dict (names of rayleizhu/BiFormer)."""
    state = {}
    for k, v in model.state_dict().items():
        if k.startswith('extra_norms.'):
            continue
        k = k.replace('.attn.qkv.', '.attn.qkv.qkv.') if '.attn.qkv.' in k \
            and not k.startswith('stages.3.') else k
        k = k.replace('.mlp.2.', '.mlp.3.')
        state[k] = v.clone() + 0.5
    state['head.weight'] = torch.zeros(1000, 512)
    state['norm.weight'] = torch.ones(512)
    return state


def test_pretrained_official_checkpoint_loads(tmp_path):
    src = BiFormer('tiny')
    state = _official_tiny_state(src)
    path = tmp_path / 'biformer_tiny_best.pth'
    torch.save({'model': state, 'args': argparse.Namespace(lr=5e-4),
                'epoch': 299}, path)
    model = BiFormer('tiny', init_cfg=dict(type='Pretrained',
                                           checkpoint=str(path)))
    model.init_weights()
    torch.testing.assert_close(model.stages[0][0].attn.qkv.weight,
                               state['stages.0.0.attn.qkv.qkv.weight'])
    torch.testing.assert_close(model.stages[1][0].mlp[2].bias,
                               state['stages.1.0.mlp.3.bias'])
    # wrong variant: a clear error naming the file
    wrong = BiFormer('small', init_cfg=dict(type='Pretrained',
                                            checkpoint=str(path)))
    with pytest.raises(KeyError, match='biformer_tiny_best.pth'):
        wrong.init_weights()
    missing = BiFormer('tiny', init_cfg=dict(type='Pretrained',
                                             checkpoint=str(tmp_path / 'no')))
    with pytest.raises(FileNotFoundError, match='init_cfg.checkpoint'):
        missing.init_weights()


def test_detector_checkpoint_with_prefix(tmp_path):
    """An official mmdet-2 detector checkpoint (backbone.* keys, all four
    extra norms) loads into a backbone returning stages 2-4."""
    src = BiFormer('tiny')
    state = {'backbone.' + k: v for k, v in _official_tiny_state(src).items()
             if not k.startswith(('head.', 'norm.'))}
    for i, c in enumerate([64, 128, 256, 512]):
        state[f'backbone.extra_norms.{i}.weight'] = torch.full((c, ), 2.)
        state[f'backbone.extra_norms.{i}.bias'] = torch.zeros(c)
    state['bbox_head.retina_cls.weight'] = torch.zeros(9, 256, 3, 3)
    path = tmp_path / 'retinanet.pth'
    torch.save({'state_dict': state}, path)
    model = BiFormer('tiny', out_indices=(1, 2, 3), init_cfg=dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.'))
    model.init_weights()
    assert torch.equal(model.extra_norms['3'].weight, torch.full((512, ), 2.))


def test_url_checkpoint_is_cached_under_its_file_name(tmp_path, monkeypatch):
    src = BiFormer('tiny')
    local = tmp_path / 'official.pth'
    torch.save({'model': _official_tiny_state(src)}, local)
    calls = []

    def fake_download(url, dst, progress=True):
        calls.append((url, dst))
        import shutil
        shutil.copy(local, dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', fake_download)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    url = 'https://api.onedrive.com/v1.0/shares/s!x/root/content'
    for _ in range(2):
        model = BiFormer('tiny', init_cfg=dict(
            type='Pretrained', checkpoint=url,
            file_name='biformer_tiny_in1k.pth'))
        model.init_weights()
    assert len(calls) == 1  # second time from the cache
    assert calls[0][1].endswith('checkpoints/biformer_tiny_in1k.pth')
