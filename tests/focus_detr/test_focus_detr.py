"""Focus-DETR detector, head, selector and encoder (mmdet's DINO test
pattern, on the toy config's 256-d model)."""
import os.path as osp

import pytest
import torch
from torch import nn

import projects.focus_detr  # noqa: F401
from projects.common.models import ReferenceEpsMixin
from projects.common.testing import ROOT, det_samples, toy_detector
from projects.focus_detr import (FocusDetrTransformerEncoder,
                                 ForegroundTokenSelector, foreground_targets)

TOY = osp.join(ROOT, 'configs', 'focus_detr',
               'focus-detr_r18_1xb8-500i_toy.py')
COCO = osp.join(ROOT, 'configs', 'focus_detr',
                'focus-detr_r50_8xb2-12e_coco.py')


@pytest.fixture(scope='module')
def toy():
    return toy_detector(TOY)


def test_losses_with_empty_and_one_ground_truth(toy):
    toy.train()
    images = torch.rand(1, 3, 128, 128)
    losses = toy.loss(images, det_samples([[]]))
    assert 'loss_fts' in losses
    for key, value in losses.items():
        if 'cls' in key and 'dn' not in key or key == 'loss_fts':
            assert value.item() > 0, key
        else:  # no ground truth: no box loss, no denoising query
            assert value.item() == 0, key
    losses = toy.loss(images, det_samples([[[10, 20, 60, 90]]]))
    for key, value in losses.items():
        assert value.item() > 0, key
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    named = dict(toy.named_parameters())
    for name in ('fts.alpha', 'fts.predictor.layer1.1.weight',
                 'encoder.layers.0.oesm_attn.attn.in_proj_weight',
                 'encoder.layers.2.self_attn.value_proj.weight',
                 'dn_query_generator.label_embedding.weight'):
        assert named[name].grad is not None, name
        assert named[name].grad.abs().sum() > 0, name
    toy.zero_grad()


def test_selector_logits_reach_the_head_only_when_training(toy):
    seen = []
    hook = toy.bbox_head.register_forward_pre_hook(
        lambda module, args: seen.append(args), with_kwargs=False)
    toy.eval()
    with torch.no_grad():
        inputs = toy.forward_transformer(
            toy.extract_feat(torch.rand(1, 3, 128, 128)),
            det_samples([[[10, 20, 60, 90]]]))
    assert 'fts_logits' not in inputs
    toy.train()
    inputs = toy.forward_transformer(
        toy.extract_feat(torch.rand(1, 3, 128, 128)),
        det_samples([[[10, 20, 60, 90]]]))
    # 16x16 + 8x8 + 4x4 + 2x2 tokens of a 128x128 image
    assert inputs['fts_logits'].shape == (1, 340)
    hook.remove()


def test_head_refines_with_the_detrex_eps(toy):
    assert isinstance(toy.bbox_head, ReferenceEpsMixin)
    assert toy.bbox_head.reference_eps == 1e-3


def test_keep_counts_and_nested_index_sets_for_a_padded_batch():
    selector = ForegroundTokenSelector(8, num_levels=2)
    num_tokens = 40
    scores = torch.randn(2, num_tokens)
    mask = torch.zeros(2, num_tokens, dtype=torch.bool)
    mask[1, 25:] = True  # image 1: 25 valid tokens
    filled, index_sets, focus_num = selector.select(scores, mask)
    assert focus_num.tolist() == [21, 13]  # floor(0.5 * valid) + 1
    assert [s.shape[1] for s in index_sets] == [21, 16, 12, 12, 8, 4]
    assert (filled[1, 25:] == scores.min()).all()
    for bigger, smaller in zip(index_sets, index_sets[1:]):
        for b in range(2):
            assert set(smaller[b].tolist()) <= set(bigger[b].tolist())
    # the first focus_num tokens of image 1 are its best valid ones
    best = scores[1, :25].topk(13)[1]
    assert set(index_sets[0][1, :13].tolist()) == set(best.tolist())
    _, _, whole = selector.select(scores, None)
    assert whole.tolist() == [21, 21]


class _FirstChannel(nn.Module):
    """A stand-in predictor: the logit is the token's first channel."""

    def forward(self, tokens):
        return tokens[..., 0]


def test_top_down_modulation_on_a_two_level_example():
    selector = ForegroundTokenSelector(4, num_levels=2)
    selector.predictor = _FirstChannel()
    with torch.no_grad():
        selector.alpha.fill_(0.5)
    fine = torch.ones(1, 2 * 4, 4)  # level 0: 2 x 4, channel 0 = 1
    coarse = torch.tensor([[[1.0, 0, 0, 0], [4.0, 0, 0, 0]]])  # 1 x 2
    scores = selector.scores(torch.cat([fine, coarse], 1),
                             torch.tensor([[2, 4], [1, 2]]))
    # the coarse logits 1, 4 upsampled to 4 columns with aligned corners:
    # 1, 2, 3, 4 on both rows; fine = 1 + 1 * up * 0.5
    row = [1.5, 2.0, 2.5, 3.0]
    expected = torch.tensor([row + row + [1.0, 4.0]])
    torch.testing.assert_close(scores, expected)


def _encoder(num_layers=2, dims=32):
    layer = dict(
        oesm_attn_cfg=dict(embed_dims=dims, num_heads=2),
        num_object_tokens=3,
        self_attn_cfg=dict(embed_dims=dims, num_heads=2, num_levels=2,
                           num_points=2, batch_first=True),
        ffn_cfg=dict(embed_dims=dims, feedforward_channels=64))
    torch.manual_seed(0)
    return FocusDetrTransformerEncoder(num_layers=num_layers,
                                       layer_cfg=layer)


def test_background_tokens_keep_their_values_and_value_is_the_input():
    encoder = _encoder()
    shapes = torch.tensor([[4, 4], [2, 2]])
    starts = torch.tensor([0, 16])
    query = torch.randn(2, 20, 32)
    pos = torch.randn(2, 20, 32)
    index_sets = [torch.tensor([[3, 7, 1, 12, 18, 0]] * 2),
                  torch.tensor([[3, 7, 1]] * 2)]
    focus_num = torch.tensor([6, 2])  # image 1 writes back 2 per layer
    values = []
    for layer in encoder.layers:
        layer.self_attn.register_forward_pre_hook(
            lambda m, args, kwargs: values.append(kwargs['value']),
            with_kwargs=True)
    out = encoder(query, pos, None, shapes, starts, torch.ones(2, 2, 2),
                  torch.randn(2, 20), index_sets, focus_num,
                  nn.Linear(32, 5))
    assert all(v is query for v in values) and len(values) == 2
    untouched = [i for i in range(20) if i not in (3, 7, 1, 12, 18, 0)]
    torch.testing.assert_close(out[:, untouched], query[:, untouched],
                               rtol=0, atol=0)
    assert (out[0, [3, 7, 1, 12, 18, 0]] != query[0, [3, 7, 1, 12, 18, 0]]
            ).all()
    # image 1: only the first two of each set (3, 7) are written back
    torch.testing.assert_close(out[1, [1, 12, 18, 0]],
                               query[1, [1, 12, 18, 0]], rtol=0, atol=0)
    assert (out[1, [3, 7]] != query[1, [3, 7]]).all()


def test_foreground_targets_of_a_known_box_on_each_level_range():
    shapes = torch.tensor([[16, 16], [8, 8], [4, 4], [2, 2]])
    # sides reached from the centre (the farthest side of a location
    # decides): a 40 px box -> level 0, 200 px -> level 2
    small = torch.tensor([[20.0, 20.0, 60.0, 60.0]])
    targets = foreground_targets(shapes, [small])
    levels = targets[0].split([256, 64, 16, 4])
    # stride-8 locations 4 + 8j strictly inside (20, 60): 28 .. 52 (4 x 4)
    assert levels[0].sum() == 16 and not levels[1:][0].any()
    assert levels[0].view(16, 16)[3:7, 3:7].all()
    big = torch.tensor([[0.0, 0.0, 200.0, 200.0]])
    targets = foreground_targets(shapes, [big])[0].split([256, 64, 16, 4])
    # stride 32, locations 16, 48, 80, 112: the farthest side is
    # 184, 152, 120, 112 along each axis; level 2 wants (128, 256], so a
    # location counts when either coordinate is 16 or 48
    near = torch.tensor([True, True, False, False])
    assert torch.equal(targets[2].view(4, 4), near[:, None] | near[None])
    # stride 16 takes (64, 128]: both farthest sides in range
    coords = torch.arange(8) * 16 + 8
    reach = torch.maximum(coords, 200 - coords)
    ok = (reach > 64) & (reach <= 128)
    assert torch.equal(targets[1].view(8, 8), ok[:, None] & ok[None])
    # stride 64, locations 32, 96: farthest sides 168, 104 <= 256 < ...
    # the (256, inf) range needs a bigger box
    assert targets[3].sum() == 0
    # no box: background everywhere; padded rows of the batch too
    empty = foreground_targets(shapes, [torch.zeros(0, 4), small])
    assert empty.shape == (2, 340) and not empty[0].any()


def test_small_images_and_a_batch_with_one_small_image(toy):
    """detrex fails once a layer keeps fewer than its 300 object tokens;
    here the object self-attention takes all it has."""
    # 96x96: 193 tokens; the third layer keeps int(0.4 * 97) = 38 < 50
    toy.eval()
    counts = []
    hook = toy.encoder.layers[2].register_forward_pre_hook(
        lambda m, args, kwargs: counts.append(kwargs['query'].shape[1]),
        with_kwargs=True)
    with torch.no_grad():
        results = toy.predict(torch.rand(1, 3, 96, 96),
                              det_samples([[]], batch_shape=(96, 96)))
    hook.remove()
    assert counts == [38]
    assert len(results[0].pred_instances.bboxes) == 100
    toy.train()
    samples = det_samples([[[10, 20, 60, 90]], [[5, 5, 30, 30]]],
                          img_shapes=[(128, 128), (40, 48)])
    losses = toy.loss(torch.rand(2, 3, 128, 128), samples)
    assert all(torch.isfinite(v) for v in losses.values())
    # 64x64: 64 + 16 + 4 + 1 = 85 tokens for 100 queries (mmdet's DINO
    # stops in its top-k); 85 queries decode, denoising included
    queries = []
    hook = toy.decoder.register_forward_pre_hook(
        lambda m, args, kwargs: queries.append(
            (kwargs['query'].shape[1], kwargs['self_attn_mask'])),
        with_kwargs=True)
    losses = toy.loss(torch.rand(1, 3, 64, 64),
                      det_samples([[[8, 8, 40, 56]]], batch_shape=(64, 64)))
    assert all(torch.isfinite(v) for v in losses.values())
    toy.eval()
    with torch.no_grad():
        pred = toy.predict(torch.rand(1, 3, 64, 64),
                           det_samples([[]], batch_shape=(64, 64)))
    hook.remove()
    # training: 100 denoising queries (50 groups of one box, positive and
    # negative) + 85, the mask cut to match; eval: 85
    (train_n, train_mask), (eval_n, eval_mask) = queries
    assert (train_n, eval_n) == (100 + 85, 85)
    assert train_mask.shape == (185, 185) and eval_mask is None
    assert len(pred[0].pred_instances.bboxes) > 0


def test_parameter_count_of_the_r50_coco_model():
    """The detrex R-50 model by arithmetic (d 256, FFN 2048, 8 heads, 4
    levels x 4 points, 80 classes): backbone convolutions 23 454 912, neck
    with biases 5 639 168, 6 encoder layers (MHA + MSDA + FFN + 3 LN) and 6
    decoder layers of 1 545 856 each, ref_point_head 197 120 + norm 512,
    7 classifiers x 20 560, 7 box MLPs x 132 612, 900 queries x 256, level
    embedding 1 024, proposal projection 66 304, label embedding 20 480,
    selector 107 521 + alpha 3: 49 339 920; mmdet's frozen BN keeps its
    53 120 affine terms as parameters (detectron2's FrozenBN: buffers)."""
    from projects.common.utils import build_model_from_config
    model = build_model_from_config(COCO)
    layer = 263_168 + 230_272 + (256 * 2048 + 2048 + 2048 * 256 + 256) + \
        3 * 512
    assert layer == 1_545_856
    assert sum(p.numel() for p in model.fts.parameters()) == 107_524
    expected = (23_454_912 + 5_639_168 + 12 * layer + 197_120 + 512 +
                7 * 20_560 + 7 * 132_612 + 900 * 256 + 1_024 + 66_304 +
                20_480 + 107_524)
    assert expected == 49_339_920
    assert sum(p.numel() for p in model.parameters()) == expected + 53_120
    # 256x320 keeps int(0.2 * 851) = 170 tokens in the sixth layer: detrex
    # stops there (top-300 object tokens); this model ranks all 170
    model.eval()
    with torch.no_grad():
        results = model.predict(torch.rand(1, 3, 256, 320),
                                det_samples([[]], batch_shape=(256, 320)))
    assert len(results[0].pred_instances.bboxes) == 300
