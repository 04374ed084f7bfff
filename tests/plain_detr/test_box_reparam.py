"""Plain-DETR's box re-parameterisation (projects/plain_detr/box_reparam.py,
the reparam paths of the detector, decoder and head), against hand
computations of the official formulas."""
import math
import os.path as osp

import pytest
import torch
from mmengine.structures import InstanceData

import projects.plain_detr  # noqa: F401
from mmdet.structures.bbox import bbox_cxcywh_to_xyxy
from projects.common.testing import ROOT, det_samples, toy_detector
from projects.plain_detr.box_reparam import (DeltaL1Cost, bbox2delta,
                                             delta2cxcywh, pack_reparam_boxes,
                                             pixel_proposals)
from projects.plain_detr.plain_detr_layers import \
    UnnormalizedSinePositionalEncoding

TOY = osp.join(ROOT, 'configs', 'plain_detr',
               'plain-detr-reparam_r18_1xb8-500i_toy.py')


def test_delta_decoding_by_hand():
    ref = torch.tensor([[[100., 100., 50., 40.]]])
    delta = torch.tensor([[[0.1, -0.2, math.log(2.0), 0.0]]])
    # centre (105, 92), size (100, 40): corners 55, 72, 155, 112
    out = delta2cxcywh(ref, delta)
    torch.testing.assert_close(out, torch.tensor([[[105., 92., 100., 40.]]]))
    # clipped to W 150, H 100: corners 55, 72, 150, 100; per image
    refs = torch.cat([ref, ref]).expand(2, 3, 4)
    out = delta2cxcywh(refs, delta.expand(2, 3, 4),
                       torch.tensor([[100., 150.], [200., 200.]]))
    torch.testing.assert_close(out[0], torch.tensor([[102.5, 86., 95., 28.]
                                                     ] * 3))
    torch.testing.assert_close(out[1], torch.tensor([[105., 92., 100., 40.]
                                                     ] * 3))
    # log-size deltas are bounded by |ln(16 / 1000)|
    big = torch.tensor([[[0., 0., 10., -10.]]])
    out = delta2cxcywh(ref, big)
    torch.testing.assert_close(out[..., 2:], torch.tensor(
        [[[50 * 1000 / 16, 40 * 16 / 1000]]]))


def test_delta_encoding_by_hand_and_its_asymmetry():
    ref = torch.tensor([100., 100., 50., 40.])
    gt = torch.tensor([110., 90., 60., 20.])
    expected = torch.tensor([10 / 50.1, -10 / 40.1, math.log(60 / 50.1),
                             math.log(20 / 40.1)])
    torch.testing.assert_close(bbox2delta(ref, gt), expected)
    # all pairs by broadcasting
    refs, gts = torch.rand(3, 4) * 50 + 10, torch.rand(2, 4) * 50 + 10
    pairs = bbox2delta(refs[:, None], gts[None])
    assert pairs.shape == (3, 2, 4)
    torch.testing.assert_close(pairs[2, 1], bbox2delta(refs[2], gts[1]))
    # the +0.1 is in the encoding only (official): no exact round trip
    back = delta2cxcywh(ref[None, None], expected[None, None])[0, 0]
    torch.testing.assert_close(back[2], torch.tensor(50 * 60 / 50.1))
    assert back[2] < 60


def test_pixel_proposals_by_hand():
    """Two levels, strides 8 and 16; image 1 has 2 valid columns of 3 at
    level 0."""
    shapes = [(2, 3), (1, 2)]
    memory = torch.ones(2, 2 * 3 + 2, 4)
    mask = torch.zeros(2, 8, dtype=torch.bool)
    mask[1, [2, 5]] = True  # level 0, column 2
    mask[1, 7] = True  # level 1, column 1
    out_memory, proposals, max_shape = pixel_proposals(
        memory, mask, shapes, strides=(8, 16), min_size=5)
    torch.testing.assert_close(max_shape, torch.tensor([[16., 24.],
                                                        [16., 16.]]))
    # level 0, row 1, column 1: centre (12, 12), side 5
    torch.testing.assert_close(proposals[0, 4],
                               torch.tensor([12., 12., 5., 5.]))
    # level 1, column 0: centre (8, 8), side 10 (valid in 24 x 16: every
    # coordinate inside (0.01, 0.99) of W 24 / H 16)
    torch.testing.assert_close(proposals[0, 6],
                               torch.tensor([8., 8., 10., 10.]))
    # level 1, column 1 of image 0: centre x 24 is not < 0.99 * 24
    fill = max(2, 3) * 8
    torch.testing.assert_close(proposals[0, 7], torch.full((4, ), 24.))
    assert proposals[0, 7, 0] == fill
    assert torch.all(out_memory[0, 7] == 0) and torch.all(out_memory[0, 6]
                                                          == 1)
    # padded tokens are filled and zeroed
    for i in (2, 5, 7):
        assert torch.all(proposals[1, i] == fill)
        assert torch.all(out_memory[1, i] == 0)
    # no mask: the whole map is valid
    _, _, shape = pixel_proposals(memory, None, shapes, (8, 16), 5)
    torch.testing.assert_close(shape, torch.tensor([[16., 24.]] * 2))


def test_delta_l1_cost_by_hand():
    refs = torch.tensor([[50., 50., 20., 20.], [30., 40., 10., 30.]])
    deltas = torch.tensor([[0.1, 0.0, 0.2, -0.1], [0., 0., 0., 0.]])
    gt_xyxy = torch.tensor([[40., 40., 70., 60.]])  # cxcywh 55, 50, 30, 20
    cost = DeltaL1Cost(weight=2.0)(
        InstanceData(deltas=deltas, refs=refs, bboxes=refs),
        InstanceData(bboxes=gt_xyxy))
    gt = torch.tensor([55., 50., 30., 20.])
    for i in range(2):
        target = torch.tensor([
            (gt[0] - refs[i, 0]) / (refs[i, 2] + 0.1),
            (gt[1] - refs[i, 1]) / (refs[i, 3] + 0.1),
            math.log(gt[2] / (refs[i, 2] + 0.1)),
            math.log(gt[3] / (refs[i, 3] + 0.1))])
        torch.testing.assert_close(cost[i, 0],
                                   2 * (deltas[i] - target).abs().sum())
    with pytest.raises(KeyError, match='reparam=True'):
        DeltaL1Cost()(InstanceData(bboxes=refs), InstanceData(bboxes=gt_xyxy))


def test_unnormalised_sine_encoding_by_hand():
    """Official sine_unnorm: y = (cumsum - 0.5) * 2pi, channel i of an axis
    sin / cos(y / 10000^(2 floor(i / 2) / F)), rows' channels first."""
    mask = torch.zeros(1, 3, 4, dtype=torch.bool)
    mask[0, :, 3] = True
    pe = UnnormalizedSinePositionalEncoding(num_feats=6)(mask)
    assert pe.shape == (1, 12, 3, 4)
    i = torch.arange(6, dtype=torch.float32)
    dim_t = 10000**(2 * (i // 2) / 6)
    r, c = 2, 1  # third row, second column: counts 3 and 2
    y = (3 - 0.5) * 2 * math.pi / dim_t
    x = (2 - 0.5) * 2 * math.pi / dim_t
    expected = torch.stack([y[0].sin(), y[1].cos(), y[2].sin(), y[3].cos(),
                            y[4].sin(), y[5].cos(), x[0].sin(), x[1].cos(),
                            x[2].sin(), x[3].cos(), x[4].sin(), x[5].cos()])
    torch.testing.assert_close(pe[0, :, r, c], expected)
    with pytest.raises(ValueError, match='normalize=False'):
        UnnormalizedSinePositionalEncoding(6, normalize=True)
    # no mask: as an all-valid mask
    torch.testing.assert_close(
        UnnormalizedSinePositionalEncoding(6)(None, torch.zeros(1, 2, 3, 4)),
        UnnormalizedSinePositionalEncoding(6)(torch.zeros(1, 3, 4,
                                                          dtype=torch.bool)))


def test_reparam_head_losses_by_hand():
    """One image, 3 queries, one box matched to query 1 (its class logit
    and box are the best): L1 on deltas against the target encoded on the
    query's reference, GIoU on pixel boxes; the gradient reaches the
    reference (not detached, as officially)."""
    model = toy_detector(TOY)
    head = model.bbox_head
    refs = torch.tensor([[[20., 20., 10., 10.], [60., 60., 40., 40.],
                          [100., 30., 20., 20.]]], requires_grad=True)
    deltas = torch.tensor([[[0.5, 0.5, 1.0, 1.0], [0.1, -0.1, 0.2, 0.0],
                            [0.3, 0.3, 0.0, 0.0]]], requires_grad=True)
    boxes = delta2cxcywh(refs, deltas)
    scores = torch.full((1, 3, 3), -5.0)
    scores[0, 1, 2] = 3.0
    gt = InstanceData(bboxes=torch.tensor([[42., 40., 86., 84.]]),
                      labels=torch.tensor([2]))
    meta = dict(img_shape=(128, 128))
    loss_cls, loss_bbox, loss_iou = head.loss_by_feat_single(
        scores, pack_reparam_boxes(boxes, deltas, refs), [gt], [meta])
    target = bbox2delta(refs[0, 1], torch.tensor([64., 62., 44., 44.]))
    torch.testing.assert_close(
        loss_bbox, 1.0 * (deltas[0, 1] - target).abs().sum())
    from mmdet.structures.bbox import bbox_overlaps
    giou = bbox_overlaps(bbox_cxcywh_to_xyxy(boxes[0, 1:2]), gt.bboxes,
                         mode='giou', is_aligned=True)
    torch.testing.assert_close(loss_iou, 2.0 * (1 - giou[0]))
    assert loss_cls > 0
    loss_bbox.backward()
    assert refs.grad[0, 1].abs().sum() > 0  # through the target deltas
    assert refs.grad[0, 0].abs().sum() == 0  # unmatched


def test_reparam_detector_trains_refines_and_predicts():
    model = toy_detector(TOY)
    with torch.no_grad():
        for branch in model.bbox_head.reg_branches:
            branch[-1].weight.normal_(0, 0.1)
    model.train()
    seen = []
    model.decoder.register_forward_hook(
        lambda m, args, kwargs, out: seen.append((kwargs, out)),
        with_kwargs=True)
    samples = det_samples([[[10, 20, 60, 70]], []], [(128, 128), (96, 80)])
    losses = model.loss(torch.rand(2, 3, 128, 128), samples)
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['loss_bbox'] > 0 and losses['loss_bbox_one2many'] > 0
    kwargs, (hidden, refs) = seen[0]
    max_shape = kwargs['max_shape']
    # valid size of each image, from the stride-8 pyramid level
    torch.testing.assert_close(max_shape, torch.tensor([[128., 128.],
                                                        [96., 80.]]))
    previous = kwargs['reference_points']
    assert previous[..., 2:].max() > 1  # pixels, not normalised
    for lid, ref in enumerate(refs):
        expected = delta2cxcywh(
            previous, model.bbox_head.reg_branches[lid](hidden[lid]),
            max_shape)
        torch.testing.assert_close(ref, expected)
        previous = ref.detach()
    # decoded boxes stay inside each image's valid area
    corners = bbox_cxcywh_to_xyxy(refs[-1])
    assert corners[1, :, 0::2].max() <= 80 and corners[1, :, 1::2].max() <= 96
    model.eval()
    seen.clear()
    with torch.no_grad():
        results = model.predict(torch.rand(2, 3, 128, 128), samples)
    boxes = results[1].pred_instances.bboxes
    assert boxes[:, 0::2].max() <= 80 and boxes[:, 1::2].max() <= 96
    # the predicted boxes are the last layer's decoded pixel boxes (scale
    # factor 1 here), not rescaled normalised ones
    decoded = bbox_cxcywh_to_xyxy(seen[0][1][1][-1][1])
    gap = (boxes[:, None] - decoded[None]).abs().sum(-1).min(1)[0]
    assert gap.max() < 1e-3


def test_reparam_needs_the_delta_cost():
    from mmengine.config import Config
    cfg = Config.fromfile(TOY)
    with pytest.raises(ValueError, match='DeltaL1Cost'):
        cfg.model.train_cfg.assigner.match_costs[1] = dict(
            type='BBoxL1Cost', weight=5.0, box_format='xywh')
        toy_detector(TOY, train_cfg=cfg.model.train_cfg)
