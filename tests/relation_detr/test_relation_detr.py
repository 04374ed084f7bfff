"""Relation-DETR detector, head and layers (mmdet's DINO test pattern)."""
import copy
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

import projects.common  # noqa: F401
import projects.relation_detr  # noqa: F401
from mmdet.models.layers import coordinate_to_encoding
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmdet.utils import register_all_modules
from projects.common.models import (set_msda_fast, sine_encoding,
                                    sine_frequencies,
                                    use_explicit_attention)
from projects.relation_detr.position_relation import (
    PositionRelationEmbedding, box_relation_encoding)

from projects.common.testing import ROOT, det_samples, toy_detector

TOY = osp.join(ROOT, 'configs', 'relation_detr',
               'relation-detr_r18_1xb4-1000i_toy.py')


def _model(**overrides):
    return toy_detector(TOY, **overrides)


def _samples(boxes_per_image, img_shapes=None):
    return det_samples(boxes_per_image, img_shapes)


def test_losses_with_empty_and_one_ground_truth():
    model = _model()
    model.train()
    images = torch.rand(1, 3, 128, 128)
    losses = model.loss(images, _samples([[]]))
    hybrid = [k for k in losses if k.startswith('hybrid_')]
    assert 'hybrid_loss_cls' in hybrid and 'hybrid_enc_loss_iou' in hybrid
    for key, value in losses.items():
        if 'cls' in key and 'dn' not in key:
            assert value.item() > 0, key
        else:  # no ground truth: no box loss, no denoising query
            assert value.item() == 0, key
    losses = model.loss(images, _samples([[[10, 20, 60, 90]]]))
    for key, value in losses.items():
        assert value.item() > 0, key


def test_backward_reaches_every_trained_part():
    model = _model()
    model.train()
    losses = model.loss(torch.rand(2, 3, 128, 128),
                        _samples([[[10, 20, 60, 90]],
                                  [[5, 5, 40, 40], [60, 60, 120, 110]]]))
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name in ('encoder.memory_fusion.0.weight',
                 'decoder.query_scale.layers.0.weight',
                 'decoder.position_relation_embedding.pos_proj.0.weight',
                 'hybrid_query_embedding.weight', 'hybrid_cls_branch.weight',
                 'hybrid_reg_branch.4.weight',  # zero-initialised last layer
                 'dn_query_generator.label_embedding.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name


def _count_decoder_passes(model):
    """Query counts of every decoder call: the primary queries, then the
    hybrid ones decoded in the same call."""
    passes = []

    def record(module, args, kwargs, out):
        passes.append(kwargs['query'].shape[1])
        if kwargs.get('hybrid') is not None:
            passes.append(kwargs['hybrid'].query.shape[1])
            assert len(out) == 4 and out[2].shape[2] == passes[-1]
        else:
            assert len(out) == 2
        assert out[0].shape[2] == kwargs['query'].shape[1]

    model.decoder.register_forward_hook(record, with_kwargs=True)
    return passes


def test_predict_uses_only_the_primary_branch():
    """60 primary and 40 hybrid queries: prediction decodes the 60 once;
    training decodes both (the primary pass with the denoising queries)."""
    model = _model(num_queries=60, num_hybrid_queries=40)
    passes = _count_decoder_passes(model)
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.rand(2, 3, 128, 128),
                                _samples([[], []]), rescale=True)
    assert passes == [60]
    assert len(results) == 2
    # the toy config keeps max_per_img (30) of the 60 decoded queries
    kept = model.bbox_head.test_cfg['max_per_img']
    assert results[0].pred_instances.bboxes.shape == (kept, 4)
    assert results[0].pred_instances.scores.shape == (kept, )
    passes.clear()
    model.train()
    model.loss(torch.rand(1, 3, 128, 128), _samples([[[10, 20, 60, 90]]]))
    assert len(passes) == 2 and passes[0] > 60 and passes[1] == 40


def _perturb(model, std=0.3):
    """Non-zero box heads (a fresh model's last box layers are zero, which
    makes every layer's boxes equal the initial references)."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'reg_branch' in name or 'position_relation' in name:
                param.add_(torch.randn(param.shape, generator=generator) *
                           std)


def test_relation_of_each_layer_uses_the_two_previous_box_sets():
    """Layer l's self-attention bias is the relation between the boxes of
    layers l-2 and l-1 (the initial references for l = 1), recomputed here
    from the decoder's outputs."""
    from mmdet.models.layers import inverse_sigmoid
    model = _model()
    _perturb(model)
    model.eval()
    biases, outputs = [], []
    for layer in model.decoder.layers:
        layer.self_attn.register_forward_pre_hook(
            lambda m, args, kwargs: biases.append(kwargs.get('attn_mask')),
            with_kwargs=True)
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: outputs.append(out), with_kwargs=True)
    with torch.no_grad():
        model.predict(torch.rand(1, 3, 128, 128), _samples([[]]))
    hidden, refs = outputs[0]
    branches = model.bbox_head.reg_branches
    boxes = [refs[0]] + [
        (branches[k](hidden[k]) + inverse_sigmoid(refs[k], eps=1e-3)).sigmoid()
        for k in range(len(hidden))
    ]
    assert biases[0] is None  # no relation before the first layer
    relation = model.decoder.position_relation_embedding
    for layer in range(1, model.decoder.num_layers):
        expected = relation(boxes[layer - 1], boxes[layer]).flatten(0, 1)
        torch.testing.assert_close(biases[layer], expected)
        # the box sets really differ, so a wrong pair would be seen
        assert not torch.allclose(boxes[layer - 1], boxes[layer], atol=1e-3)
        wrong = relation(boxes[0], boxes[layer]).flatten(0, 1)
        if layer > 1:
            assert not torch.allclose(biases[layer], wrong, atol=1e-4)


def test_query_position_is_scaled_from_the_second_layer_on():
    """Layer 0 gets ref_point_head(sine(reference)); layer l > 0 the same
    times query_scale(query entering layer l) (conditional scaling)."""
    model = _model()
    _perturb(model)
    model.eval()
    seen = []
    for layer in model.decoder.layers:
        layer.register_forward_pre_hook(
            lambda m, args, kwargs: seen.append(
                (args[0] if args else kwargs['query'], kwargs['query_pos'],
                 kwargs['reference_points'])), with_kwargs=True)
    with torch.no_grad():
        model.predict(torch.rand(1, 3, 128, 128), _samples([[]]))
        decoder = model.decoder
        for lid, (query, query_pos, ref) in enumerate(seen):
            plain = decoder.ref_point_head(coordinate_to_encoding(
                ref[:, :, 0, :], num_feats=decoder.embed_dims // 2))
            expected = plain if lid == 0 else plain * decoder.query_scale(
                query)
            torch.testing.assert_close(query_pos, expected)
            if lid > 0:
                assert not torch.allclose(query_pos, plain, atol=1e-3)


def test_hybrid_losses_depend_on_the_number_of_copies():
    """The hybrid branch matches ground truth repeated hybrid_assign times:
    with one box and 1 vs 6 copies, 6x more hybrid queries are positives
    (the box loss, averaged over positives, changes), while the primary
    losses stay the same."""
    images = torch.rand(1, 3, 128, 128)
    samples = _samples([[[10, 20, 60, 90]]])
    losses = {}
    for copies in (1, 6):
        model = _model()
        _perturb(model)
        model.bbox_head.hybrid_assign = copies
        model.train()
        torch.manual_seed(0)
        losses[copies] = model.loss(images, samples)
    for key in ('loss_cls', 'loss_bbox', 'enc_loss_cls', 'dn_loss_bbox'):
        torch.testing.assert_close(losses[1][key], losses[6][key])
    for key in ('hybrid_loss_cls', 'hybrid_loss_bbox', 'hybrid_enc_loss_iou'):
        assert not torch.allclose(losses[1][key], losses[6][key]), key


def test_relation_bias_masks_denoising_and_skips_hybrid():
    model = _model()
    model.train()
    captured = []

    def grab(module, args, kwargs):
        captured.append(kwargs.get('attn_mask'))

    handles = [layer.self_attn.register_forward_pre_hook(grab,
                                                         with_kwargs=True)
               for layer in model.decoder.layers]
    model.loss(torch.rand(1, 3, 128, 128),
               _samples([[[10, 20, 60, 90], [70, 70, 120, 120]]]))
    for handle in handles:
        handle.remove()
    # one decoder call; each layer attends within the primary queries,
    # then within the hybrid ones
    primary, hybrid = captured[0::2], captured[1::2]
    assert len(primary) == len(hybrid) == model.decoder.num_layers
    dn_mask = primary[0]
    assert dn_mask.dtype == torch.bool and dn_mask.dim() == 2
    heads = model.decoder.layers[0].self_attn.num_heads
    for bias in primary[1:]:
        assert bias.shape == (heads, *dn_mask.shape)
        assert torch.isneginf(bias[:, dn_mask]).all()
        assert torch.isfinite(bias[:, ~dn_mask]).all()
        assert (bias[:, ~dn_mask] >= 0).all()  # ReLU
    assert all(mask is None for mask in hybrid)


def test_hybrid_queries_decoded_alongside_equal_a_pass_of_their_own():
    """Training decodes the primary (denoising + matching) and the hybrid
    queries in one call; each group gets what a decoder call of its own
    returns (the official code's two passes), in float64 to 1e-10, and
    the gradients match too."""
    from projects.relation_detr.relation_detr_layers import QueryGroup
    model = _model()
    _perturb(model)
    model.train()
    calls = []
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: calls.append(kwargs), with_kwargs=True)
    model.loss(torch.rand(2, 3, 128, 128),
               _samples([[[10, 20, 60, 90]],
                         [[5, 5, 40, 50], [70, 60, 120, 125]]]))
    # the decoder's inputs of that training step, in float64
    model.double()
    kwargs = {k: v.double() if isinstance(v, torch.Tensor) and
              torch.is_floating_point(v) else v
              for k, v in calls[0].items()}
    hybrid = kwargs.pop('hybrid')
    hybrid = QueryGroup(hybrid.query.double(),
                        hybrid.reference_points.double(), None, False)
    assert kwargs['self_attn_mask'] is not None
    joint = model.decoder(**kwargs, hybrid=hybrid)
    assert len(joint) == 4
    primary = model.decoder(**kwargs)
    alone = model.decoder(**dict(kwargs, query=hybrid.query,
                                 reference_points=hybrid.reference_points,
                                 self_attn_mask=None, skip_relation=True))
    # the hybrid group's numbers are bit-identical; the primary group's
    # relation takes its boxes from a strided view of the joint states
    # (another matrix-product path: float64 rounding, amplified by the
    # relation's sine of 100x the box geometry)
    for got, expected in zip(joint, primary + alone):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)
    # one loss of both groups' outputs: the same gradients either way
    params = [p for p in model.decoder.parameters() if p.requires_grad]
    weights = [torch.randn_like(t) for t in joint]
    grads = [torch.autograd.grad(
        sum((t * w).sum() for t, w in zip(outs, weights)), params,
        allow_unused=True, retain_graph=True)
        for outs in (joint, primary + alone)]
    for got, expected in zip(*grads):
        if expected is None:
            assert got is None
        else:
            torch.testing.assert_close(got, expected, rtol=1e-9, atol=1e-9)


def test_box_relation_encoding_values():
    src = torch.tensor([[[0.5, 0.5, 0.2, 0.1]]])
    tgt = torch.tensor([[[0.6, 0.3, 0.4, 0.1], [0.5, 0.5, 0.2, 0.1]]])
    rel = box_relation_encoding(src, tgt)
    assert rel.shape == (1, 1, 2, 4)
    eps = 1e-5
    expected = torch.tensor([
        torch.log(torch.tensor(0.1 / (0.2 + eps) + 1)),
        torch.log(torch.tensor(0.2 / (0.1 + eps) + 1)),
        torch.log(torch.tensor((0.2 + eps) / (0.4 + eps))),
        torch.log(torch.tensor((0.1 + eps) / (0.1 + eps)))
    ])
    torch.testing.assert_close(rel[0, 0, 0], expected)
    torch.testing.assert_close(rel[0, 0, 1], torch.zeros(4), atol=1e-6,
                               rtol=0)


def test_sine_encoding_is_the_decoder_query_encoding():
    """With exchanged x/y it equals mmdet's coordinate_to_encoding, so one
    formula serves both the relation and DINO's query positions."""
    coords = torch.rand(2, 7, 4)
    ours = sine_encoding(coords, 128, 10000, 2 * torch.pi)
    ours = torch.cat([ours[..., 128:256], ours[..., :128], ours[..., 256:]],
                     -1)
    torch.testing.assert_close(ours, coordinate_to_encoding(coords, 128))


def test_position_relation_gradient_only_reaches_projection():
    module = PositionRelationEmbedding(16, 8)
    src = torch.rand(2, 5, 4, requires_grad=True)
    tgt = torch.rand(2, 6, 4, requires_grad=True)
    bias = module(src, tgt)
    assert bias.shape == (2, 8, 5, 6) and (bias >= 0).all()
    bias.sum().backward()
    assert src.grad is None and tgt.grad is None
    assert module.pos_proj[0].weight.grad is not None
    assert sum(p.numel() for p in module.parameters()) == 64 * 8 + 8


@pytest.mark.parametrize('chunk_pairs', [1, 7, 10**6])
def test_chunked_relation_equals_reference(chunk_pairs):
    """Chunks of one row, several rows with a partial last chunk, and all
    rows at once: the bias and the projection's gradients are the ones of
    the reference path (which holds the whole pairwise embedding)."""
    torch.manual_seed(0)
    reference = PositionRelationEmbedding(16, 8, impl='reference')
    chunked = PositionRelationEmbedding(16, 8, chunk_pairs=chunk_pairs)
    chunked.load_state_dict(reference.state_dict())
    src = torch.rand(2, 11, 4) * 0.6 + 0.1
    tgt = torch.rand(2, 5, 4) * 0.6 + 0.1
    grad = torch.randn(2, 8, 11, 5)
    outputs = []
    for module in (reference, chunked):
        bias = module(src, tgt)
        bias.backward(grad)
        conv = module.pos_proj[0]
        outputs.append((bias.detach(), conv.weight.grad, conv.bias.grad))
    for expected, got in zip(*outputs):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    with torch.no_grad():
        torch.testing.assert_close(chunked(src, tgt), outputs[0][0])


def test_relation_impl_is_checked():
    with pytest.raises(ValueError, match='chunked'):
        PositionRelationEmbedding(16, 8, impl='fused')


def test_sine_encoding_layout():
    """(sin, cos) side by side per frequency, frequencies in order."""
    values = torch.rand(3, 4, 2)
    out = sine_encoding(values, 16, 10000, 100)
    assert out.shape == (3, 4, 32)
    freqs = sine_frequencies(16, 10000)
    angle = values[1, 2, 1] * 100 / freqs[5]
    torch.testing.assert_close(out[1, 2, 16 + 10], torch.sin(angle))
    torch.testing.assert_close(out[1, 2, 16 + 11], torch.cos(angle))


@pytest.mark.parametrize('name', [
    'relation-detr_r50_8xb2-12e_coco.py', 'relation-detr_r50_8xb2-24e_coco.py',
    'relation-detr_r50_8xb2-12e_pidray.py',
    'relation-detr_r50_8xb2-12e_exdark.py',
    'relation-detr_r18_1xb4-1000i_toy.py'
])
def test_configs_build(name):
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'relation_detr', name))
    assert cfg.auto_scale_lr.base_batch_size > 0
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'RelationDETR'
    if 'r50' in name:
        assert cfg.model.num_queries == 900
        assert cfg.model.num_hybrid_queries == 1500
        assert cfg.param_scheduler[0]['milestones'] == (
            [20] if '24e' in name else [10])
        assert cfg.model.positional_encoding.temperature == 10000
        assert cfg.model.data_preprocessor.pad_size_divisor == 32


def _small_samples(size, boxes):
    sample = DetDataSample(metainfo=dict(
        img_shape=(size, size), batch_input_shape=(size, size),
        pad_shape=(size, size), ori_shape=(size, size),
        scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(boxes), dtype=torch.long))
    return [sample]


def test_fewer_tokens_than_queries_trains_and_predicts():
    """A 64x64 input has 8x8 + 4x4 + 2x2 + 1x1 = 85 tokens, fewer than the
    100 queries (and 100 hybrid queries): as many are decoded as there are
    tokens, denoising included."""
    model = _model(num_queries=100, num_hybrid_queries=100,
                   test_cfg=dict(max_per_img=100))
    model.train()
    images = torch.rand(1, 3, 64, 64)
    losses = model.loss(images, _small_samples(64, [[4, 4, 40, 50]]))
    assert all(torch.isfinite(v).all() for v in losses.values())
    assert losses['dn_loss_bbox'].item() > 0
    model.eval()
    decoded = []
    model.decoder.register_forward_hook(
        lambda module, args, kwargs, out: decoded.append(
            kwargs['query'].shape[1]), with_kwargs=True)
    with torch.no_grad():
        results = model.predict(images, _small_samples(64, []))
    assert decoded == [85]
    # top-100 over 85 queries x 3 classes
    assert len(results[0].pred_instances.bboxes) == 100


def test_head_refines_with_the_official_eps_near_0_and_1():
    """Official Relation-DETR: boxes = sigmoid(reg(h) + logit(ref)) with the
    reference clamped to [1e-3, 1 - 1e-3] inside the logit (mmdet's head:
    1e-5). References at 1e-5 and 1 - 1e-5 show the difference."""
    head = _model().bbox_head
    generator = torch.Generator().manual_seed(3)
    layers = len(head.reg_branches) - 1
    hidden = torch.randn(layers, 1, 3, head.embed_dims,
                         generator=generator)
    ref = torch.tensor([[[1e-5, 0.5, 0.3, 1 - 1e-5], [0.2, 1e-4, 0.9, 0.5],
                         [0.5, 0.5, 0.5, 0.5]]])
    _, boxes = head(hidden, [ref] * (layers + 1))
    for layer in range(layers):
        x = ref.clamp(0, 1)
        logit = torch.log(x.clamp(min=1e-3) / (1 - x).clamp(min=1e-3))
        expected = (head.reg_branches[layer](hidden[layer]) + logit).sigmoid()
        torch.testing.assert_close(boxes[layer], expected)


ABLATIONS = osp.join(ROOT, 'configs', 'relation_detr', 'ablations')


def _dims_256(cfg_model):
    """The toy model at 256 channels (mmdet's DINO decoder encodes the
    reference points with 128 sine features per coordinate), 2 + 2
    layers."""
    cfg_model.encoder.num_layers = 2
    cfg_model.decoder.num_layers = 2
    for attn in ('self_attn_cfg', 'cross_attn_cfg', 'ffn_cfg'):
        for part in (cfg_model.encoder, cfg_model.decoder):
            if attn in part.layer_cfg:
                part.layer_cfg[attn].embed_dims = 256
    cfg_model.neck.out_channels = 256
    cfg_model.positional_encoding.num_feats = 128
    cfg_model.bbox_head.embed_dims = 256
    return cfg_model


def test_every_part_off_computes_what_mmdet_dino_computes():
    """The ablations' baseline (every Relation-DETR switch off) and mmdet's
    DINO built from the same config, with the same weights: identical
    outputs (with mmdet's eps in the head); the full model differs."""
    register_all_modules()
    base = Config.fromfile(osp.join(ABLATIONS,
                                    'dino_r50-baseline_8xb2-12e_coco.py'))
    toy = _dims_256(Config.fromfile(TOY).model)
    toy.num_hybrid_queries = 0
    toy.encoder.with_memory_fusion = False
    toy.decoder.with_position_relation = False
    toy.decoder.with_query_scale = False
    toy.bbox_head.loss_cls = base.model.bbox_head.loss_cls
    assert toy.bbox_head.loss_cls.type == 'FocalLoss'
    dino_cfg = copy.deepcopy(toy)  # building fills the head's config
    torch.manual_seed(0)
    ours = MODELS.build(toy)
    ours.init_weights()
    _perturb(ours)
    dino_cfg.type = 'DINO'
    dino_cfg.bbox_head.type = 'DINOHead'
    dino_cfg.pop('num_hybrid_queries')
    dino_cfg.bbox_head.pop('hybrid_assign')
    dino_cfg.encoder.pop('with_memory_fusion')
    for key in ('with_position_relation', 'with_query_scale'):
        dino_cfg.decoder.pop(key)
    dino = MODELS.build(dino_cfg)
    # same parameters, same names: the switched-off model has no extras
    dino.load_state_dict(ours.state_dict(), strict=True)
    # the one difference left is the head's inverse-sigmoid eps (official
    # 1e-3, mmdet 1e-5), which the perturbed box heads reach
    ours.bbox_head.reference_eps = 1e-5
    # and mmcv's grid_sample path for inference and its explicit attention,
    # as mmdet's DINO runs (the faster paths agree to rounding:
    # tests/common/test_bricks, tests/common/test_fused_attention)
    set_msda_fast(ours, False)
    use_explicit_attention(ours)
    full = MODELS.build(_dims_256(Config.fromfile(TOY).model))
    full.load_state_dict(ours.state_dict(), strict=False)
    images = torch.rand(1, 3, 96, 128)
    outputs = []
    for model in (ours, dino, full):
        model.eval()
        with torch.no_grad():
            outputs.append(model(images, _samples([[]], [(96, 128)]),
                                 mode='tensor'))
    for a, b in zip(outputs[0], outputs[1]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    assert not torch.allclose(outputs[0][0], outputs[2][0], atol=1e-3)


@pytest.mark.parametrize('name', sorted(
    p for p in os.listdir(ABLATIONS) if p.endswith('.py')))
def test_ablation_configs_switch_only_their_parts(name):
    register_all_modules()
    cfg = Config.fromfile(osp.join(ABLATIONS, name))
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'RelationDETR'
    parts = {
        'hybrid': hasattr(model, 'hybrid_query_embedding'),
        'relation': hasattr(model.decoder, 'position_relation_embedding'),
        'memory-fusion': hasattr(model.encoder, 'memory_fusion'),
        'query-scale': hasattr(model.decoder, 'query_scale'),
        'iou-aware': type(model.bbox_head.loss_cls).__name__ ==
        'IoUAwareBCELoss',
    }
    if name.startswith('dino_'):
        off = set(parts)
    elif name.startswith('dino-relation'):
        off = set(parts) - {'relation'}
    elif 'focal-loss' in name:
        off = {'iou-aware'}
    else:
        off = {name.split('-no-')[1].split('_')[0]}
    assert {k for k, on in parts.items() if not on} == off
    assert cfg.model.num_queries == 900 and cfg.train_cfg.max_epochs == 12
