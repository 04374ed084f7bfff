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


def _dense_mixed_attention(attn, templates, search):
    """MixedAttention written a second way: per-image depthwise conv +
    frozen-BN projections from the raw weights, then ONE dense attention
    over all tokens with a boolean mask (template queries may not see
    search keys), by torch's scaled_dot_product_attention."""
    import torch.nn.functional as F

    def project(seq, stride, x):
        conv, bn = seq.conv, seq.bn
        y = F.conv2d(x, conv.weight, stride=stride, padding=1,
                     groups=x.shape[1])
        scale = bn.weight / torch.sqrt(bn.running_var + 1e-5)
        y = (y - bn.running_mean[:, None, None]) * scale[:, None, None] + \
            bn.bias[:, None, None]
        return y.flatten(2).transpose(1, 2)

    maps = list(templates) + [search]
    q = torch.cat([project(attn.conv_proj_q, 1, m) for m in maps], 1)
    k = torch.cat([project(attn.conv_proj_k, 2, m) for m in maps], 1)
    v = torch.cat([project(attn.conv_proj_v, 2, m) for m in maps], 1)
    q, k, v = (F.linear(x, lin.weight, lin.bias) for x, lin in
               ((q, attn.proj_q), (k, attn.proj_k), (v, attn.proj_v)))
    n_tq = sum(m.shape[2] * m.shape[3] for m in templates)
    n_tk = sum(((m.shape[2] + 1) // 2) * ((m.shape[3] + 1) // 2)
               for m in templates)
    allowed = torch.ones(q.shape[1], k.shape[1], dtype=torch.bool)
    allowed[:n_tq, n_tk:] = False
    b, c, heads = q.shape[0], q.shape[2], attn.num_heads

    def split(x):
        return x.view(b, -1, heads, c // heads).transpose(1, 2)

    out = F.scaled_dot_product_attention(
        split(q), split(k), split(v), attn_mask=allowed, scale=c**-0.5)
    out = F.linear(out.transpose(1, 2).reshape(b, -1, c),
                   attn.proj.weight, attn.proj.bias)
    return out[:, :n_tq], out[:, n_tq:]


@pytest.mark.parametrize('num_online', [1, 2])
def test_mixed_attention_against_a_dense_masked_reference(num_online):
    """Both paths (joint, and cached templates + search) against the
    independent dense-mask computation; the conv / BN buffers are random
    so that every term of the projections counts."""
    from projects.mixformer.mixformer_layers import MixedAttention
    torch.manual_seed(0)
    c = 16
    attn = MixedAttention(c, num_heads=2).eval()
    for seq in (attn.conv_proj_q, attn.conv_proj_k, attn.conv_proj_v):
        seq.bn.weight.copy_(torch.rand(c) + 0.5)
        seq.bn.bias.copy_(torch.randn(c))
        seq.bn.running_mean.copy_(torch.randn(c))
        seq.bn.running_var.copy_(torch.rand(c) + 0.5)
    templates = [torch.randn(1, c, 5, 5) for _ in range(1 + num_online)]
    search = torch.randn(1, c, 9, 7)
    ref_t, ref_s = _dense_mixed_attention(attn, templates, search)
    with torch.no_grad():
        out_t, out_s = attn(templates, search)
        cached_t = attn.set_templates(templates)
        cached_s = attn.forward_search(search)
    for got, want in ((out_t, ref_t), (out_s, ref_s), (cached_t, ref_t),
                      (cached_s, ref_s)):
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


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
    # forward: top-left from the 'tl' branch, bottom-right from 'br', over
    # the crop side 20 * 16 = 320 px: tl peak (row 2, col 3) -> (48, 32)
    # px, br peak (row 12, col 15) -> (240, 192) px

    def peaks(x, corner):
        row, col = dict(tl=(2, 3), br=(12, 15))[corner]
        m = torch.full((x.shape[0], 1, 20, 20), -1e4)
        m[:, :, row, col] = 0.
        return m

    head.score_map = peaks
    torch.testing.assert_close(head(torch.randn(1, 8, 20, 20)),
                               torch.tensor([[0.15, 0.10, 0.75, 0.60]]))
    with pytest.raises(ValueError, match='feat_size'):
        head(torch.randn(1, 8, 10, 10))


def test_score_module_against_a_second_implementation():
    """The official score decoder written again from its description:
    RoI = box * feature width (spatial scale 1), 4 x 4 precise RoI pool,
    two cross-attention steps ``norm2(proj(attn))`` with the full-width
    scale and no residual, then the 3-layer MLP."""
    import torch.nn.functional as F
    from projects.mixformer.prroi_pool import prroi_pool
    torch.manual_seed(0)
    c, heads = 64, 2
    spm = MODELS.build(dict(type='MixFormerScoreDecoder', hidden_dim=c,
                            num_heads=heads))
    spm.init_weights()
    for p in spm.parameters():  # no zero biases / unit norms left
        p.data.add_(torch.randn_like(p) * 0.1)
    search, template = torch.randn(3, c, 10, 10), torch.randn(1, c, 4, 4)
    boxes = torch.tensor([[0.1, 0.2, 0.5, 0.6], [0.0, 0.0, 1.0, 1.0],
                          [0.3, 0.3, 0.4, 0.9]])
    logits = spm(search, template, boxes)
    assert logits.shape == (3, )

    rois = torch.cat([torch.arange(3.)[:, None], boxes * 10], 1)
    memories = [prroi_pool(search, rois, 4, 1.0).flatten(2).transpose(1, 2),
                template.flatten(2).transpose(1, 2).expand(3, -1, -1)]
    x = F.layer_norm(spm.score_token.expand(3, -1, -1), (c, ),
                     spm.norm1.weight, spm.norm1.bias)
    for i, mem in enumerate(memories):
        def split(t):
            return t.view(3, -1, heads, c // heads).transpose(1, 2)
        q = split(F.linear(x, spm.proj_q[i].weight, spm.proj_q[i].bias))
        k = split(F.linear(mem, spm.proj_k[i].weight, spm.proj_k[i].bias))
        v = split(F.linear(mem, spm.proj_v[i].weight, spm.proj_v[i].bias))
        out = F.scaled_dot_product_attention(q, k, v, scale=c**-0.5)
        out = F.linear(out.transpose(1, 2).reshape(3, 1, c),
                       spm.proj[i].weight, spm.proj[i].bias)
        x = F.layer_norm(out, (c, ), spm.norm2[i].weight, spm.norm2[i].bias)
    for j, layer in enumerate(spm.score_head.layers):
        x = layer(x)
        if j < len(spm.score_head.layers) - 1:
            x = F.relu(x)
    torch.testing.assert_close(logits, x.view(-1), atol=1e-5, rtol=1e-5)
    # only the box's neighbourhood of the search map counts: features
    # outside its bilinear support (x, y > 6 + 1 for box 0) change nothing
    moved = search.clone()
    moved[0, :, 8:, :] = torch.randn(c, 2, 10)
    moved[0, :, :, 8:] = torch.randn(c, 10, 2)
    assert torch.allclose(spm(moved, template, boxes)[0], logits[0])
    moved[0, :, 4, 3] += 5.  # inside the box: the score moves
    assert not torch.allclose(spm(moved, template, boxes)[0], logits[0])


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


def test_stage1_loss_values_by_hand():
    """Head output (0.5, 0.35, 0.7, 0.65) against search_bbox xywh
    (0.4, 0.35, 0.2, 0.3) = xyxy (0.4, 0.35, 0.6, 0.65): L1 mean
    (0.1 + 0 + 0.1 + 0) / 4 = 0.05, x5 = 0.25; IoU 0.03 / 0.09 = 1/3,
    enclosing box = union, GIoU 1/3, loss (1 - 1/3) x2 = 4/3."""
    model = _model()
    model.train()
    inputs, samples = _batch(n=2)
    model.box_head.forward = lambda feat: torch.tensor(
        [[0.5, 0.35, 0.7, 0.65]] * feat.shape[0], requires_grad=True)
    loss = model(inputs, samples, mode='loss')
    assert loss['loss_bbox'].item() == pytest.approx(0.25, abs=1e-6)
    assert loss['loss_iou'].item() == pytest.approx(4 / 3, abs=1e-6)


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
