"""MixFormer modules: shapes, asymmetric attention, template cache, corner
head, score module, losses and training stages."""
import copy

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement

from mmdet.registry import MODELS
from projects.common.testing import MIXFORMER_TINY as TINY
from projects.mixformer import MixFormerBackbone

init_default_scope('mmdet')


def _model(**overrides):
    cfg = copy.deepcopy(TINY)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_cvt21_shapes_and_key_count():
    backbone = MixFormerBackbone('cvt21').eval()
    z, oz = torch.randn(2, 1, 3, 128, 128).unbind(0)
    x = torch.randn(1, 3, 320, 320)
    with torch.no_grad():
        t, s = backbone([z, oz], x)
    assert t.shape == (1, 384, 8, 8) and s.shape == (1, 384, 20, 20)
    # official: 31 tensors per block x 21 blocks + 12 patch-embed tensors
    # (+ the unused final norm / classifier, not built here)
    assert len(backbone.state_dict()) == 31 * 21 + 12
    attn = backbone.stage2.blocks[0].attn
    assert attn.scale == pytest.approx(384**-0.5)  # full width, not per head


def test_templates_do_not_see_the_search_image():
    backbone = MixFormerBackbone(
        dict(embed_dims=[16, 32, 64], depths=[1, 1, 2],
             num_heads=[1, 1, 2])).eval()
    z, oz = torch.randn(2, 2, 3, 64, 64).unbind(0)
    with torch.no_grad():
        t1, s1 = backbone([z, oz], torch.randn(2, 3, 160, 160))
        t2, s2 = backbone([z, oz], torch.randn(2, 3, 160, 160))
    assert torch.equal(t1, t2)  # template features ignore the search
    assert not torch.allclose(s1, s2)
    # and the search does see the templates
    with torch.no_grad():
        _, s3 = backbone([z + 1, oz], torch.zeros(2, 3, 160, 160))
        _, s4 = backbone([z, oz], torch.zeros(2, 3, 160, 160))
    assert not torch.allclose(s3, s4)


@pytest.mark.parametrize('num_online', [1, 3])
def test_cached_templates_equal_the_joint_pass(num_online):
    backbone = MixFormerBackbone(
        dict(embed_dims=[16, 32, 64], depths=[1, 2, 2],
             num_heads=[1, 2, 2])).eval()
    z = torch.randn(1, 3, 64, 64)
    online = torch.randn(num_online, 3, 64, 64)
    x = torch.randn(1, 3, 160, 160)
    with torch.no_grad():
        t_joint, s_joint = backbone([z] + list(online.split(1)), x)
        backbone.set_templates([z, online])
        t_cached, s_cached = backbone.forward_search(x)
    torch.testing.assert_close(s_cached, s_joint, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(t_cached, t_joint, atol=1e-5, rtol=1e-5)


def test_corner_head_soft_argmax_on_a_synthetic_map():
    head = MODELS.build(dict(type='MixFormerCornerHead', in_channels=8,
                             channels=8, feat_size=20, stride=16))
    score = torch.full((1, 1, 20, 20), -1e4)
    score[0, 0, 3, 5] = 0.  # a sharp peak at row 3, column 5
    xy = head.soft_argmax(score)
    torch.testing.assert_close(xy, torch.tensor([[5 * 16., 3 * 16.]]))
    # two equal peaks: the expectation is their midpoint
    score[0, 0, 7, 9] = 0.
    torch.testing.assert_close(head.soft_argmax(score),
                               torch.tensor([[7 * 16., 5 * 16.]]))
    out = head(torch.randn(2, 8, 20, 20))
    assert out.shape == (2, 4) and (out >= 0).all() and (out <= 0.95).all()
    with pytest.raises(ValueError, match='feat_size'):
        head(torch.randn(1, 8, 10, 10))


def test_score_module_shapes():
    spm = MODELS.build(dict(type='MixFormerScoreDecoder', hidden_dim=64,
                            num_heads=2))
    spm.init_weights()
    logits = spm(torch.randn(3, 64, 10, 10), torch.randn(3, 64, 4, 4),
                 torch.tensor([[0.1, 0.2, 0.5, 0.6]] * 3))
    assert logits.shape == (3, )


def _batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = dict(
        template=torch.randint(0, 255, (n, 2, 3, 64, 64), generator=g,
                               dtype=torch.uint8),
        search=torch.randint(0, 255, (n, 3, 160, 160), generator=g,
                             dtype=torch.uint8))
    samples = [BaseDataElement(search_bbox=np.array([0.4, 0.35, 0.2, 0.3]),
                               label=i % 2) for i in range(n)]
    return inputs, samples


def test_stage1_losses_decrease_and_score_head_is_frozen():
    model = _model()
    model.train()
    assert not any(p.requires_grad
                   for p in model.score_branch.parameters())
    inputs, samples = _batch()
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    losses = []
    for _ in range(8):
        loss = model(inputs, samples, mode='loss')
        assert set(loss) == {'loss_iou', 'loss_bbox'}
        total = sum(loss.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(loss['loss_bbox'].item())
    # the IoU term is 0 while corners are inverted (official), so follow L1
    assert losses[-1] < 0.7 * losses[0]


def test_tensor_mode():
    model = _model().eval()
    inputs, _ = _batch(2)
    boxes, scores = model(inputs, mode='tensor')
    assert boxes.shape == (2, 4) and scores.shape == (2, )


def test_stage2_trains_only_the_score_module():
    model = _model(train_cfg=dict(stage=2))
    model.train()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('score_branch.') for n in trainable)
    # the network stays in training mode (drop path active, officially)
    assert model.backbone.training
    inputs, samples = _batch()
    loss = model(inputs, samples, mode='loss')
    assert set(loss) == {'loss_score'}
    loss['loss_score'].backward()
    assert model.score_branch.score_token.grad is not None
    with pytest.raises(ValueError, match='score_head'):
        _model(score_head=None, train_cfg=dict(stage=2))


def test_imagenet_cvt_checkpoint_loads_into_the_backbone(tmp_path):
    """A CvT ImageNet checkpoint (keys stage{i}.*, trainable BNs with
    num_batches_tracked, a class token, final norm and classifier) loads
    through init_cfg like the official non-strict loading."""
    arch = dict(embed_dims=[16, 32, 64], depths=[1, 1, 2],
                num_heads=[1, 1, 2])
    src = MixFormerBackbone(arch)
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in src.state_dict().items()}
    for k in list(state):
        if k.endswith('.bn.running_var'):
            state[k] = state[k].abs() + 0.5
            state[k.replace('running_var', 'num_batches_tracked')] = \
                torch.tensor(10)
    state.update({'stage2.cls_token': torch.zeros(1, 1, 64),
                  'norm.weight': torch.ones(64), 'head.weight':
                  torch.zeros(1000, 64)})
    path = str(tmp_path / 'cvt.pth')
    torch.save(state, path)
    backbone = MixFormerBackbone(
        arch, init_cfg=dict(type='Pretrained', checkpoint=path))
    backbone.init_weights()
    for k, v in backbone.state_dict().items():
        torch.testing.assert_close(v, state[k])
