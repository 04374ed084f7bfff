"""FeatEnHancer and EnhancedBackbone (projects/featenhancer)."""
import os.path as osp

import pytest
import torch

from projects.common.testing import ROOT, det_samples
from projects.featenhancer import (EnhancedBackbone, FeatEnHancer,
                                   ScaleAwareFusion)


def test_parameter_count_by_arithmetic():
    """Enhancement net 3->32, 3x 32->32, 2x 64->32, 64->24 (3x3 + bias);
    fusion convs 48->32, 32->24; stride convs 3->3 7x7 and 3x3; the
    scale-aware fusion's three 24->24 convolutions (7x7, 3x3, 3x3)."""
    def conv(cin, cout, k):
        return cin * cout * k * k + cout
    enhance = (conv(3, 32, 3) + 3 * conv(32, 32, 3) + 2 * conv(64, 32, 3) +
               conv(64, 24, 3))
    fusion = conv(48, 32, 3) + conv(32, 24, 3)
    strides = conv(3, 3, 7) + conv(3, 3, 3)
    safa = conv(24, 24, 7) + 2 * conv(24, 24, 3)
    assert (enhance, fusion, strides, safa) == (79_416, 20_792, 528, 38_664)
    model = FeatEnHancer()
    assert sum(p.numel() for p in model.parameters()) == 139_400
    assert sum(p.numel() for p in model.scale_aware_aggregation.parameters()
               ) == safa


@pytest.mark.parametrize('shape', [(15, 15), (33, 47), (101, 77), (64, 97)])
def test_output_has_the_input_shape_for_odd_sizes(shape):
    model = FeatEnHancer().eval()
    model.init_weights()
    x = torch.randn(2, 3, *shape)
    with torch.no_grad():
        out = model(x)
    assert out.shape == x.shape
    # the enhancement is a sum of eight tanh maps: bounded by 8 per pixel
    assert 0 < (out - x).abs().max() <= 8


def test_too_small_images_are_refused_with_the_size():
    with pytest.raises(ValueError, match='at least 15x15.*got 14x40'):
        FeatEnHancer()(torch.randn(1, 3, 14, 40))


def test_fusion_softmax_on_a_one_pixel_example():
    """Two heads of 3 channels, one pixel: per head, the weights are the
    softmax of (q.k, k.k) / sqrt(3), and the output mixes q and k."""
    fusion = ScaleAwareFusion(channels=6, num_heads=2)
    q = torch.tensor([1., 0., 2., 0., 1., 0.]).view(1, 6, 1, 1)
    k = torch.tensor([1., 1., 0., 3., 0., 0.]).view(1, 6, 1, 1)
    out = fusion.fuse(q, k).flatten()
    s3 = 3**0.5
    # head 0: q.k = 1, k.k = 2; head 1: q.k = 0, k.k = 9
    w0 = torch.softmax(torch.tensor([1 / s3, 2 / s3]), 0)
    w1 = torch.softmax(torch.tensor([0., 9 / s3]), 0)
    expected = torch.cat([w0[0] * q.flatten()[:3] + w0[1] * k.flatten()[:3],
                          w1[0] * q.flatten()[3:] + w1[1] * k.flatten()[3:]])
    torch.testing.assert_close(out, expected)


def test_one_enhancement_network_serves_the_three_scales():
    model = FeatEnHancer()
    seen = []
    for name in ('e_conv1', 'e_conv7'):
        getattr(model, name).register_forward_hook(
            lambda m, a, o, name=name: seen.append((name, o.shape[-2:])))
    model(torch.randn(1, 3, 64, 96))
    # full, quarter ((64 - 7) // 4 + 1 = 15, 23), eighth (7, 11) scales
    sizes = [(64, 96), (15, 23), (7, 11)]
    assert [s for n, s in seen if n == 'e_conv1'] == sizes
    assert [s for n, s in seen if n == 'e_conv7'] == sizes
    names = [n for n, _ in model.named_children()]
    assert names.count('e_conv1') == 1 and len(names) == 12


def test_official_initialisation_keeps_default_biases():
    torch.manual_seed(0)
    model = FeatEnHancer()
    biases = {n: p.clone() for n, p in model.named_parameters()
              if n.endswith('bias')}
    model.init_weights()
    for name, p in model.named_parameters():
        if name.endswith('bias'):
            assert torch.equal(p, biases[name])
        else:
            assert abs(p.std().item() - 0.02) < 0.006, name


def _with_enhancer(config):
    """The model config of ``config`` with its backbone wrapped, nothing
    pretrained."""
    from projects.common.utils import disable_pretrained, load_model_config
    cfg = load_model_config(config)
    model = disable_pretrained(cfg.model)
    model.backbone = dict(type='EnhancedBackbone',
                          enhancer=dict(type='FeatEnHancer'),
                          backbone=model.backbone)
    return model


MMDET_CONFIGS = osp.join(osp.dirname(__import__('mmdet').__file__), '.mim',
                         'configs')
FAMILIES = {
    'faster-rcnn_r50': osp.join(MMDET_CONFIGS, 'faster_rcnn',
                                'faster-rcnn_r50_fpn_1x_coco.py'),
    'retinanet_biformer': osp.join(
        ROOT, 'configs/biformer/retinanet_biformer-mini_fpn_1xb8-500i_toy.py'),
    'retinanet_r18-ela': osp.join(
        ROOT, 'configs/ela/retinanet_r18-ela-b_fpn_1xb8-500i_toy.py'),
    'relation-detr_r18': osp.join(
        ROOT, 'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py'),
    'plain-detr_r18': osp.join(
        ROOT, 'configs/plain_detr/plain-detr_r18_1xb8-500i_toy.py'),
    'focus-detr_r18': osp.join(
        ROOT, 'configs/focus_detr/focus-detr_r18_1xb8-500i_toy.py'),
}


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_every_detector_family_trains_a_step_with_the_enhancer(family):
    from mmdet.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(_with_enhancer(FAMILIES[family]))
    model.init_weights()
    model.train()
    assert isinstance(model.backbone, EnhancedBackbone)
    samples = det_samples([[[10, 20, 60, 90]], [[5, 5, 40, 30]]])
    losses = model.loss(torch.randn(2, 3, 128, 128), samples)
    total, _ = model.parse_losses(losses)
    total.backward()
    grads = [p.grad for p in model.backbone.enhancer.parameters()]
    assert all(g is not None for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0


def test_wrapped_backbone_keeps_its_weights_frozen_stages_and_attributes(
        tmp_path):
    from mmdet.registry import MODELS
    plain_cfg = dict(type='ResNet', depth=18, frozen_stages=1,
                     out_indices=(1, 2, 3), norm_eval=True)
    torch.manual_seed(1)
    plain = MODELS.build(plain_cfg)
    path = str(tmp_path / 'r18.pth')
    torch.save({'state_dict': plain.state_dict()}, path)
    wrapped = MODELS.build(dict(
        type='EnhancedBackbone', enhancer=dict(type='FeatEnHancer'),
        backbone=dict(plain_cfg, init_cfg=dict(type='Pretrained',
                                               checkpoint=path))))
    wrapped.init_weights()  # reads the backbone checkpoint
    torch.testing.assert_close(wrapped.backbone.conv1.weight,
                               plain.conv1.weight)
    # the enhancer got the official init, not the checkpoint
    assert abs(wrapped.enhancer.e_conv1.weight.std().item() - 0.02) < 0.006
    wrapped.train()
    assert not wrapped.backbone.conv1.weight.requires_grad
    assert not wrapped.backbone.layer1[0].conv1.weight.requires_grad
    assert wrapped.backbone.layer2[0].conv1.weight.requires_grad
    assert not wrapped.backbone.bn1.training  # frozen stem / norm_eval
    # attributes of the backbone, through the wrapper
    assert wrapped.frozen_stages == 1 and wrapped.out_indices == (1, 2, 3)
    with pytest.raises(AttributeError):
        wrapped.no_such_attribute
    # a state dict of the plain backbone (a detector checkpoint saved
    # without the enhancer) loads into the wrapped one
    torch.manual_seed(2)
    other = MODELS.build(plain_cfg).state_dict()
    result = wrapped.load_state_dict(other, strict=False)
    torch.testing.assert_close(wrapped.backbone.conv1.weight,
                               other['conv1.weight'])
    assert result.unexpected_keys == []
    assert all(k.startswith('enhancer.') for k in result.missing_keys)
    assert len(result.missing_keys) == 28
    out = wrapped(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in out] == [128, 256, 512]


def test_eighth_scale_has_no_final_relu_and_output_is_additive():
    """The official eighth-scale branch skips the last ReLU (negative values
    reach the fusion); the output is the input plus eight tanh maps."""
    torch.manual_seed(0)
    model = FeatEnHancer()
    model.init_weights()
    seen = {}
    model.ue_conv8.register_forward_hook(
        lambda m, a, o: seen.__setitem__('fusion_in', a[0]))
    model.ue_conv9.register_forward_hook(
        lambda m, a, o: seen.__setitem__('maps', torch.tanh(o)))
    x = torch.randn(1, 3, 48, 64)
    with torch.no_grad():
        out = model(x)
    assert seen['fusion_in'][:, 24:].min() < 0  # the upsampled eighth scale
    expected = x + seen['maps'].view(1, 8, 3, 48, 64).sum(1)
    torch.testing.assert_close(out, expected)


def test_show_enhanced_writes_the_input_beside_the_enhanced_image(tmp_path):
    """tools/analysis_tools/show_enhanced.py: a 128x128 image (neither
    resized nor padded by the toy test pipeline, a 128 px letterbox) comes
    back on the left as it was; the right half differs by the
    enhancement."""
    import mmcv
    import numpy as np
    from mmdet.registry import MODELS
    from projects.common.testing import tool_main
    config = tmp_path / 'enhanced_toy.py'
    base = FAMILIES['retinanet_r18-ela']
    config.write_text(
        f"_base_ = ['{base}']\n"
        "custom_imports = dict(imports=['projects.common', 'projects.ela', "
        "'projects.featenhancer'], allow_failed_imports=False)\n"
        "_backbone = {{_base_.model.backbone}}\n"
        "model = dict(backbone=dict(_delete_=True, type='EnhancedBackbone', "
        "enhancer=dict(type='FeatEnHancer'), backbone=_backbone))\n")
    model = MODELS.build(_with_enhancer(base))
    model.init_weights()
    checkpoint = str(tmp_path / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 60, (128, 128, 3), dtype=np.uint8)  # dark
    path = str(tmp_path / 'dark.png')
    mmcv.imwrite(image, path)
    out = str(tmp_path / 'pair.png')
    main = tool_main('tools/analysis_tools/show_enhanced.py')
    main([str(config), checkpoint, path, '--out', out])
    pair = mmcv.imread(out)
    assert pair.shape == (128, 256, 3)
    assert np.abs(pair[:, :128].astype(int) - image).max() <= 1
    assert np.abs(pair[:, 128:].astype(int) - image).max() > 1
    # a model without an enhancer: one line naming the fix
    from projects.common.utils import UserInputError
    with pytest.raises(UserInputError, match='must be an EnhancedBackbone'):
        main([base, checkpoint, path, '--out', str(tmp_path / 'no.png')])
    assert not osp.exists(tmp_path / 'no.png')
