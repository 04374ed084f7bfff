"""Plain-DETR detector, head and layers (mmdet's DETR test pattern)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import projects.common  # noqa: F401
import projects.plain_detr  # noqa: F401
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from projects.common.testing import ROOT, det_samples, toy_detector
from projects.plain_detr import ProposalPyramid, hybrid_self_attn_mask

TOY = osp.join(ROOT, 'configs', 'plain_detr',
               'plain-detr_r18_1xb8-500i_toy.py')


def _model(**overrides):
    return toy_detector(TOY, **overrides)


def _samples(boxes_per_image, img_shapes=None):
    return det_samples(boxes_per_image, img_shapes)


def test_losses_with_empty_and_one_ground_truth():
    model = _model()
    model.train()
    inputs = torch.rand(1, 3, 128, 128)
    losses = model.loss(inputs, _samples([[]]))
    for key, value in losses.items():
        if 'bbox' in key or 'iou' in key:
            assert value.item() == 0, key  # nothing to regress
        else:
            assert value.item() > 0, key  # every query is background
    losses = model.loss(inputs, _samples([[[10, 20, 60, 70]]]))
    assert all(torch.isfinite(v) and v.item() > 0 for v in losses.values())
    # one-to-one (+ encoder) and one-to-many terms on every layer
    assert {'loss_cls', 'enc_loss_cls', 'd0.loss_cls', 'loss_cls_one2many',
            'd1.loss_iou_one2many'} <= set(losses)
    assert not any(k.startswith('enc') and k.endswith('one2many')
                   for k in losses)


def test_one_to_many_losses_use_six_copies():
    """One box: with k = 6 copies, up to 6 one-to-many queries are
    positives, so their box loss (averaged over positives) differs from
    k = 1 while the one-to-one losses do not change."""
    inputs = torch.rand(1, 3, 128, 128)
    out = {}
    for k in (1, 6):
        model = _model()
        model.bbox_head.k_one2many = k
        model.train()
        torch.manual_seed(1)
        out[k] = model.loss(inputs, _samples([[[10, 20, 60, 70]]]))
    torch.testing.assert_close(out[1]['loss_bbox'], out[6]['loss_bbox'])
    assert not torch.allclose(out[1]['loss_bbox_one2many'],
                              out[6]['loss_bbox_one2many'])


def test_predict_uses_the_one_to_one_queries_only():
    model = _model(num_queries_one2one=30, num_queries_one2many=90)
    seen = {}
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: seen.update(n=out[0].shape[2]),
        with_kwargs=True)
    model.eval()
    with torch.no_grad():
        result = model.predict(torch.rand(2, 3, 128, 128),
                               _samples([[], []]))
    assert seen['n'] == 30
    # top-50 (max_per_img) of the 30 x 3 query-class scores
    assert len(result[0].pred_instances) == 50
    model.train()
    model.loss(torch.rand(1, 3, 128, 128), _samples([[[1, 2, 30, 40]]]))
    assert seen['n'] == 120


def test_hybrid_mask_separates_the_two_query_sets():
    mask = hybrid_self_attn_mask(2, 5)
    expected = torch.tensor([[0, 0, 1, 1, 1],
                             [0, 0, 1, 1, 1],
                             [1, 1, 0, 0, 0],
                             [1, 1, 0, 0, 0],
                             [1, 1, 0, 0, 0]], dtype=torch.bool)
    assert torch.equal(mask, expected)
    # in the model: changing the one-to-many content queries leaves the
    # one-to-one outputs unchanged
    model = _model()
    model.train()
    outs = []
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: outs.append(out[0]), with_kwargs=True)
    inputs = torch.rand(1, 3, 128, 128)
    for _ in range(2):
        model.loss(inputs, _samples([[[10, 20, 60, 70]]]))
        with torch.no_grad():
            model.query_embedding.weight[50:] += 1.0
    torch.testing.assert_close(outs[0][:, :, :50], outs[1][:, :, :50])
    assert not torch.allclose(outs[0][:, :, 50:], outs[1][:, :, 50:])


def test_proposal_pyramid_shapes_strides_and_masks():
    pyramid = ProposalPyramid(32, 16, (8, 16, 32, 64))
    # official layout: ConvT / Identity / Conv / Conv-LN-GELU-Conv
    assert [type(b).__name__ for b in pyramid.branches] == [
        'Sequential', 'Identity', 'Sequential', 'Sequential']
    assert [type(m).__name__ for m in pyramid.branches[3]] == [
        'Conv2d', 'LayerNorm2d', 'GELU', 'Conv2d']
    memory = torch.randn(2, 6 * 8, 32)
    mask = torch.zeros(2, 6, 8, dtype=torch.bool)
    mask[1, :, 4:] = True  # image 1 is 4 columns wide
    tokens, token_mask, shapes = pyramid(memory, mask.flatten(1), (6, 8))
    assert shapes.tolist() == [[12, 16], [6, 8], [3, 4], [1, 2]]
    assert tokens.shape == (2, 12 * 16 + 48 + 12 + 2, 32)
    assert token_mask.shape == tokens.shape[:2]
    level0 = token_mask[1, :192].view(12, 16)
    assert not level0[:, :8].any() and level0[:, 8:].all()
    # the stride-16 level is the memory itself
    torch.testing.assert_close(tokens[:, 192:240], memory)
    _, no_mask, _ = pyramid(memory, None, (6, 8))
    assert no_mask is None
    with pytest.raises(ValueError, match='power of 2'):
        ProposalPyramid(32, 16, (8, 24))


def test_decoder_refines_from_the_normalised_output_and_looks_twice():
    """Each layer's new reference is sigmoid(reg(LN(x)) + logit(ref)), the
    next layer gets it detached, the returned one keeps its graph."""
    from mmdet.models.layers import inverse_sigmoid
    model = _model()
    with torch.no_grad():
        for branch in model.bbox_head.reg_branches:
            branch[-1].weight.normal_(0, 0.1)
    model.train()
    outs, layer_refs = [], []
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: outs.append((kwargs, out)),
        with_kwargs=True)
    for layer in model.decoder.layers:
        layer.register_forward_pre_hook(
            lambda m, args: layer_refs.append(args[4]))
    model.loss(torch.rand(1, 3, 128, 128), _samples([[[10, 20, 60, 70]]]))
    kwargs, (hidden, refs) = outs[0]
    # the layers get detached references
    assert not any(r.requires_grad for r in layer_refs)
    previous = kwargs['reference_points']
    for lid, ref in enumerate(refs):
        expected = (model.bbox_head.reg_branches[lid](hidden[lid]) +
                    inverse_sigmoid(previous)).sigmoid()
        torch.testing.assert_close(ref, expected)
        assert ref.requires_grad
        previous = ref.detach()
    torch.testing.assert_close(hidden[-1].mean(-1),
                               torch.zeros_like(hidden[-1].mean(-1)),
                               atol=1e-5, rtol=0)  # LayerNorm output


def test_queries_are_the_top_tokens_by_objectness():
    """Top-K by channel 0 of the encoder head (not by the best class): the
    decoder's initial references are the boxes of the tokens with the K
    largest channel-0 logits, best first."""
    model = _model()
    model.train()
    seen = {}
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: seen.update(ref=kwargs[
            'reference_points']), with_kwargs=True)
    original = model.bbox_head.loss

    def loss(**kwargs):
        seen.update(kwargs)
        return original(**kwargs)

    model.bbox_head.loss = loss
    model.loss(torch.rand(1, 3, 128, 128), _samples([[[10, 20, 60, 70]]]))
    logits, coords = seen['enc_outputs_class'], seen['enc_outputs_coord']
    order = logits[0, :, 0].argsort(descending=True)[:200]
    torch.testing.assert_close(seen['ref'][0], coords[0, order].detach())
    by_best = logits[0].max(-1)[0].argsort(descending=True)[:200]
    assert not torch.equal(order, by_best)  # the two rankings differ


def _proposal_sine(boxes, num_feats, temperature=10000):
    """The official proposal encoding written out: per coordinate
    (cx, cy, w, h), x * 2pi / T^(2 floor(i / 2) / F), sin on even i, cos on
    odd i, interleaved."""
    i = torch.arange(num_feats, dtype=torch.float32)
    dim_t = temperature**(2 * (i // 2) / num_feats)
    pos = boxes[..., None] * 2 * torch.pi / dim_t
    out = torch.empty_like(pos)
    out[..., 0::2] = pos[..., 0::2].sin()
    out[..., 1::2] = pos[..., 1::2].cos()
    return out.flatten(-2)


def test_positional_query_is_the_first_half_of_the_proposal_encoding():
    model = _model()
    model.eval()
    seen = {}
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: seen.update(kwargs), with_kwargs=True)
    with torch.no_grad():
        model.predict(torch.rand(1, 3, 128, 128), _samples([[]]))
        c = model.embed_dims
        expected = model.pos_trans_norm(model.pos_trans_fc(_proposal_sine(
            seen['reference_points'], c // 2)))[..., :c]
    torch.testing.assert_close(seen['query_pos'], expected, atol=1e-5,
                               rtol=1e-5)


def test_padded_images_train_and_predict():
    model = _model()
    model.train()
    samples = _samples([[[10, 20, 60, 70]], [[5, 5, 40, 30]]],
                       img_shapes=[(128, 96), (100, 128)])
    losses = model.loss(torch.rand(2, 3, 128, 128), samples)
    sum(losses.values()).backward()
    missing = [n for n, p in model.named_parameters()
               if p.requires_grad and p.grad is None]
    assert missing == []
    model.eval()
    with torch.no_grad():
        result = model.predict(torch.rand(2, 3, 128, 128),
                               copy.deepcopy(samples))
    boxes = result[0].pred_instances.bboxes
    assert boxes.shape == (50, 4)
    assert (boxes[:, 2] <= 96 + 1e-3).all()  # clipped to the image


def test_detector_settings_are_checked():
    with pytest.raises(ValueError, match='with_box_refine=True'):
        _model(with_box_refine=False)


def _linear(i, o, bias=True):
    return i * o + (o if bias else 0)


def _detector_params(backbone_channels, d=256, heads=8, ffn=2048,
                     hidden=512, classes=80, layers=6):
    """Everything after the backbone, written out from the architecture
    (d = 256, 6 layers, FFN 2048, 8 heads, BoxRPB hidden 512, 300 + 1500
    queries)."""
    c = backbone_channels
    upsample = c * (c // 2) * 4 + c // 2  # ConvTranspose2d(c, c/2, 2, 2)
    input_proj = _linear(c // 2, d) + 2 * d  # 1x1 conv with bias + GN
    pyramid = 4 * (d * d * 4 + d) + 2 * d  # ConvT, Conv, Conv-LN-Conv
    two_stage = (_linear(d, d) + 2 * d) + (_linear(2 * d, 2 * d) + 4 * d)
    mha = _linear(d, 3 * d) + _linear(d, d)
    box_rpb = 2 * (_linear(2, hidden) + _linear(hidden, heads, bias=False))
    cross = 4 * _linear(d, d) + box_rpb
    layer = mha + cross + _linear(d, ffn) + _linear(ffn, d) + 3 * 2 * d
    assert layer == 1_590_016  # the spec's Plain decoder layer
    decoder = layers * layer + 2 * d  # + the final LayerNorm
    heads_params = (layers + 1) * (_linear(d, classes) + 2 * _linear(d, d) +
                                   _linear(d, 4))
    return (upsample + input_proj + d + pyramid + two_stage + 1800 * d +
            decoder + heads_params)


def _count(config):
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'plain_detr', config))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    return sum(p.numel() for p in model.parameters())


#: the official class heads have 91 rows (COCO ids), 11 more than mmdet's
OFFICIAL_EXTRA_ROWS = 7 * (91 - 80) * (256 + 1)


def test_parameter_count_of_the_r50_coco_model():
    resnet50 = 23_454_912 + 53_120  # conv weights + BN affine (frozen)
    expected = resnet50 + _detector_params(2048)
    assert _count('plain-detr_r50_8xb2-12e_coco.py') == expected
    # the official model: 91 class rows, BN affine terms are buffers
    official = expected - 53_120 + OFFICIAL_EXTRA_ROWS
    # = the official model built from impiga/Plain-DETR@6ad930b, counted
    # side by side outside this repository
    assert official == 44_581_209


def swin_v2_s_params():
    """Swin-V2-S parameters derived from the module definitions (2 global
    blocks with the same parameters as window ones)."""
    def block(c, h):
        attn = 3 * c * c + 2 * c + c * c + c + h + (2 * 512 + 512 + 512 * h)
        return attn + 4 * c + (c * 4 * c + 4 * c + 4 * c * c + c)

    dims, heads, depths = [96, 192, 384, 768], [3, 6, 12, 24], [2, 2, 18, 2]
    total = 3 * 96 * 16 + 96 + 2 * 96  # patch embedding and its norm
    for i, (c, h, d) in enumerate(zip(dims, heads, depths)):
        total += d * block(c, h)
        if i:
            total += 2 * c * c + 2 * c  # merging (4 * c/2 -> c) + norm
    return total + 2 * 768  # norm3


def test_parameter_count_of_swin_v2_s():
    register_all_modules()
    small = MODELS.build(dict(type='PlainDETRSwinTransformerV2'))
    assert sum(p.numel() for p in small.parameters()) == swin_v2_s_params()


def test_parameter_count_of_the_swin_v2_s_coco_model():
    expected = swin_v2_s_params() + _detector_params(768)
    assert _count('plain-detr_swinv2-s_16xb1-12e_coco.py') == expected
    for variant in ('plain-detr_swinv2-s-mim_16xb1-12e_coco.py',
                    'plain-detr-reparam_swinv2-s-mim_16xb1-12e_coco.py'):
        assert _count(variant) == expected
    # = the official swin_v2_small_window16_2global model (91 class rows),
    # built from impiga/Plain-DETR@6ad930b and counted outside this repo
    assert expected + OFFICIAL_EXTRA_ROWS == 62_712_275
