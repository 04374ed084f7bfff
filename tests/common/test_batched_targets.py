"""BatchedTargetsMixin builds the targets of mmdet's per-image path."""
import pytest
import torch
from mmengine.structures import InstanceData

from mmdet.models.dense_heads import DINOHead
from mmdet.utils import register_all_modules
from projects.common.models import BatchedTargetsMixin, batchable

register_all_modules()

COSTS = [
    dict(type='FocalLossCost', weight=2.0, eps=1e-6),
    dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
    dict(type='IoUCost', iou_mode='giou', weight=2.0)
]


class _BatchedHead(BatchedTargetsMixin, DINOHead):
    pass


def _heads(costs=COSTS, num_classes=3):
    kwargs = dict(
        num_classes=num_classes, embed_dims=32, num_reg_fcs=1,
        sync_cls_avg_factor=True,
        loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0,
                      alpha=0.25, loss_weight=1.0),
        train_cfg=dict(
            assigner=dict(type='HungarianAssigner', match_costs=costs)))
    return DINOHead(**kwargs), _BatchedHead(**kwargs)


def _batch(num_gts, shapes, num_queries, num_classes=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    cls_scores = torch.randn(len(num_gts), num_queries, num_classes,
                             generator=gen)
    bbox_preds = torch.rand(len(num_gts), num_queries, 4, generator=gen)
    gts, metas = [], []
    for n, (h, w) in zip(num_gts, shapes):
        xy = torch.rand(n, 2, generator=gen) * torch.tensor([w, h]) * 0.7
        wh = (torch.rand(n, 2, generator=gen) * 0.3 + 0.02) * torch.tensor(
            [w, h])
        gts.append(InstanceData(
            bboxes=torch.cat([xy, xy + wh], 1),
            labels=torch.randint(num_classes, (n, ), generator=gen)))
        metas.append(dict(img_shape=(h, w)))
    return list(cls_scores), list(bbox_preds), gts, metas


def _assert_same(expected, got):
    assert len(got) == 6
    for per_image, batched in zip(expected[:4], got[:4]):
        assert len(per_image) == len(batched)
        for a, b in zip(per_image, batched):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert torch.equal(a, b)
    assert expected[4:] == got[4:]


@pytest.mark.parametrize('num_gts,shapes', [
    ([3, 1, 4, 2], [(128, 128)] * 4),
    # one image without objects, two shapes in the batch (two groups)
    ([5, 0, 2, 7], [(96, 128), (128, 96), (96, 128), (128, 128)]),
    ([0, 0], [(64, 64)] * 2),
])
def test_targets_equal_mmdet_per_image(num_gts, shapes):
    mmdet_head, batched_head = _heads()
    batch = _batch(num_gts, shapes, num_queries=12)
    expected = mmdet_head.get_targets(*batch)
    got = batched_head.get_targets(*batch)
    _assert_same(expected, got)
    assert got[4] == sum(num_gts)  # fewer GT than queries: all matched


def test_one_to_many_targets_equal_mmdet():
    """The hybrid branch's repeated ground truth: more GT than queries in
    an image leaves GT unmatched, as mmdet's assignment does."""
    from projects.common.models import repeat_instances
    mmdet_head, batched_head = _heads()
    scores, boxes, gts, metas = _batch([2, 4, 1], [(128, 160)] * 3,
                                       num_queries=20, seed=3)
    gts = repeat_instances(gts, 6)  # 24 copies > 20 queries in image 2
    expected = mmdet_head.get_targets(scores, boxes, gts, metas)
    got = batched_head.get_targets(scores, boxes, gts, metas)
    _assert_same(expected, got)
    assert got[4] == 12 + 20 + 6


def test_classification_cost_and_losses_equal():
    costs = [dict(type='ClassificationCost', weight=1.0),
             dict(type='BBoxL1Cost', weight=5.0),
             dict(type='IoUCost', iou_mode='iou', weight=2.0)]
    mmdet_head, batched_head = _heads(costs)
    batched_head.load_state_dict(mmdet_head.state_dict())
    batch = _batch([2, 3], [(100, 120)] * 2, num_queries=10, seed=1)
    _assert_same(mmdet_head.get_targets(*batch),
                 batched_head.get_targets(*batch))
    scores, boxes, gts, metas = batch
    expected = mmdet_head.loss_by_feat_single(
        torch.stack(scores), torch.stack(boxes), gts, metas)
    got = batched_head.loss_by_feat_single(
        torch.stack(scores), torch.stack(boxes), gts, metas)
    for a, b in zip(expected, got):
        assert torch.equal(a, b)


def test_other_assigners_take_mmdet_path():
    from mmdet.models.task_modules import HungarianAssigner

    class SubclassedAssigner(HungarianAssigner):
        pass

    mmdet_head, batched_head = _heads()
    assert batchable(batched_head.assigner)
    # a mask cost is not a function of one box pair
    assert not batchable(
        HungarianAssigner(match_costs=COSTS + [dict(type='DiceCost')]))
    batch = _batch([1, 2], [(64, 64)] * 2, num_queries=5)
    calls = []
    original = DINOHead._get_targets_single

    def spy(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    _BatchedHead._get_targets_single = spy
    try:
        batched_head.get_targets(*batch)
        assert calls == []  # batched: mmdet's per-image method not called
        batched_head.assigner = SubclassedAssigner(match_costs=COSTS)
        assert not batchable(batched_head.assigner)
        _assert_same(mmdet_head.get_targets(*batch),
                     batched_head.get_targets(*batch))
        assert calls == [1, 1]
    finally:
        del _BatchedHead._get_targets_single
