"""Real COCO samples (../shared/data/coco/tinycoco) through mmdet's
CocoDataset and CocoMetric: a perfect prediction scores AP 1.0, a shifted
one less."""
import os.path as osp

import numpy as np
import pytest
import torch

import projects.common  # noqa: F401
from mmdet.datasets import CocoDataset
from mmdet.evaluation import CocoMetric
from mmdet.utils import register_all_modules


@pytest.fixture(scope='module')
def tinycoco(shared_data):
    register_all_modules()
    root = osp.join(shared_data, 'coco', 'tinycoco')
    dataset = CocoDataset(
        data_root=root + '/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        test_mode=True,
        pipeline=[])
    return root, dataset


def _evaluate(root, dataset, shift):
    metric = CocoMetric(
        ann_file=osp.join(root, 'annotations', 'instances_train2017.json'),
        metric='bbox')
    metric.dataset_meta = dataset.metainfo
    samples = []
    for info in dataset:
        boxes = np.array([inst['bbox'] for inst in info['instances']
                          if not inst['ignore_flag']],
                         dtype=np.float32).reshape(-1, 4)
        labels = np.array([inst['bbox_label'] for inst in info['instances']
                           if not inst['ignore_flag']], dtype=np.int64)
        boxes = boxes + shift * np.array([1, 1, 1, 1], np.float32) * (
            boxes[:, 2:3] - boxes[:, 0:1])
        samples.append(
            dict(img_id=info['img_id'],
                 ori_shape=(info['height'], info['width']),
                 pred_instances=dict(
                     bboxes=torch.from_numpy(boxes),
                     scores=torch.ones(len(boxes)),
                     labels=torch.from_numpy(labels))))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_tinycoco_loads_real_annotations(tinycoco):
    _, dataset = tinycoco
    assert len(dataset) == 32
    assert len(dataset.metainfo['classes']) == 80
    boxes = sum(len(info['instances']) for info in dataset)
    assert boxes == 288  # 4 of them iscrowd, kept as ignored instances
    assert sum(inst['ignore_flag'] for info in dataset
               for inst in info['instances']) == 4


def test_perfect_prediction_scores_ap_1(tinycoco):
    metrics = _evaluate(*tinycoco, shift=0.0)
    assert metrics['coco/bbox_mAP'] == pytest.approx(1.0)
    assert metrics['coco/bbox_mAP_50'] == pytest.approx(1.0)


def test_shifted_prediction_scores_below_1(tinycoco):
    metrics = _evaluate(*tinycoco, shift=0.3)
    assert 0.0 <= metrics['coco/bbox_mAP'] < 0.9
