"""ELA (arXiv:2403.01123): the formula, the four variants, the ResNet
plugin placement, and clear errors."""
import pytest
import torch
from mmengine.registry import init_default_scope
from torch import nn

from mmdet.registry import MODELS
from projects.ela import ELA, ResNetELA

VARIANTS = {'T': (5, 1, 32), 'B': (7, 1, 16), 'S': (5, 8, 16),
            'L': (7, 8, 16)}


@pytest.mark.parametrize('variant', sorted(VARIANTS))
def test_formula_against_a_direct_computation(variant):
    torch.manual_seed(0)
    c = 64
    ela = ELA(c, variant)
    k, per_group, gn = VARIANTS[variant]
    assert ela.conv.kernel_size == (k, ) and ela.conv.groups == c // per_group
    assert ela.conv.bias is None and ela.gn.num_groups == gn
    with torch.no_grad():
        ela.gn.weight.normal_()
        ela.gn.bias.normal_()
    x = torch.randn(2, c, 9, 13)
    w, gamma, beta = ela.conv.weight, ela.gn.weight, ela.gn.bias

    def strip(z):  # (B, C, L): conv1d, groupnorm, sigmoid, by hand
        z = nn.functional.conv1d(z, w, padding=k // 2, groups=c // per_group)
        b, _, length = z.shape
        zg = z.view(b, gn, -1)
        zg = (zg - zg.mean(-1, keepdim=True)) / torch.sqrt(
            zg.var(-1, unbiased=False, keepdim=True) + 1e-5)
        z = zg.view(b, c, length) * gamma[:, None] + beta[:, None]
        return torch.sigmoid(z)

    yh = strip(x.mean(3))[..., None]       # (B, C, H, 1)
    yw = strip(x.mean(2))[:, :, None, :]   # (B, C, 1, W)
    torch.testing.assert_close(ela(x), x * yh * yw, atol=1e-5, rtol=1e-5)
    # parameters per module: C * (C / g) * k + 2C
    n = sum(p.numel() for p in ela.parameters())
    assert n == c * per_group * k + 2 * c
    res = ELA(c, variant, residual=True)
    res.load_state_dict(ela.state_dict())
    torch.testing.assert_close(res(x), x + ela(x))


def test_shapes_gradients_and_batch_independence():
    ela = ELA(32, 'S')
    x = torch.randn(3, 32, 7, 11, requires_grad=True)
    y = ela(x)
    assert y.shape == x.shape
    y.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in ela.parameters())
    # GroupNorm normalises each image alone (a batch statistic, as
    # BatchNorm would use, would make an image depend on the others)
    ela.train()
    with torch.no_grad():
        alone = torch.cat([ela(x[i:i + 1]) for i in range(3)])
        torch.testing.assert_close(ela(x), alone)
        x2 = x.clone()
        x2[1:] = x2[1:] * 5 + 3
        torch.testing.assert_close(ela(x2)[0], ela(x)[0])


def test_group_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r'ELA-T: in_channels=144 .* 32 '
                       r'GroupNorm groups; use ELA-B/S/L'):
        ELA(144, 'T')
    ELA(144, 'B')  # 16 groups fit
    with pytest.raises(ValueError, match='channels per conv group'):
        ELA(36, 'S', gn_groups=4)
    with pytest.raises(ValueError, match='unknown variant'):
        ELA(64, 'X')


@pytest.mark.parametrize('depth', [18, 50])
def test_resnet_plugin_placement_and_counts(depth):
    init_default_scope('mmdet')
    model = MODELS.build(dict(type='ResNetELA', depth=depth, ela_variant='B',
                              ela_stages=(True, True, True, True)))
    plain = MODELS.build(dict(type='ResNet', depth=depth))
    widths = {18: [64] * 2 + [128] * 2 + [256] * 2 + [512] * 2,
              50: [64] * 3 + [128] * 4 + [256] * 6 + [512] * 3}[depth]
    extra = sum(p.numel() for p in model.parameters()) - sum(
        p.numel() for p in plain.parameters())
    assert extra == sum(9 * c for c in widths)  # ELA-B: 9C per block
    if depth == 50:
        assert extra == 33_984  # +0.03 M on ResNet-50
    # the ResNet's own names are unchanged, so its checkpoints load
    missing, unexpected = model.load_state_dict(plain.state_dict(),
                                                strict=False)
    assert unexpected == [] and all('.ela.' in k for k in missing)
    # ELA sees the block's width right after conv2 -> norm2 (-> ReLU)
    block = model.layer2[0]
    seen = {}
    block.ela.register_forward_hook(lambda m, i, o: seen.update(x=i[0]))
    model.eval()
    model(torch.randn(1, 3, 64, 64))
    assert seen['x'].shape[1] == 128
    assert (seen['x'] >= 0).all() == (depth == 50)  # after ReLU in Bottleneck


def test_resnet_stages_choice_and_contracts():
    init_default_scope('mmdet')
    model = ResNetELA(depth=50, ela_variant='S', out_indices=(0, 1, 2, 3),
                      frozen_stages=1)
    assert not hasattr(model.layer1[0], 'ela')
    assert hasattr(model.layer4[2], 'ela')
    model.train()
    outs = model(torch.randn(1, 3, 97, 131))
    assert [o.shape[1] for o in outs] == [256, 512, 1024, 2048]
    sum(o.mean() for o in outs).backward()
    for name, p in model.named_parameters():
        frozen = name.startswith(('conv1', 'bn1', 'layer1.'))
        assert (p.grad is None) == frozen, name
    with pytest.raises(ValueError, match='4 booleans'):
        ResNetELA(depth=50, ela_stages=(True, ))
    # ELA in a frozen stage would stay at its random initialisation
    with pytest.raises(ValueError, match='would be frozen'):
        ResNetELA(depth=50, ela_stages=(True, True, True, True),
                  frozen_stages=1)
