"""PIDrayMetric (easy/hard/hidden + overall) and ExDarkMetric (per light)."""
import json

import pytest
import torch

import projects.common  # noqa: F401
from projects.common.datasets import ExDarkDataset, PIDrayDataset
from projects.common.evaluation import ExDarkMetric, PIDrayMetric


def _write(path, boxes, cats, extra=None):
    """One image per box list entry; boxes are (category_id, xywh)."""
    images, anns = [], []
    for img_id, objs in enumerate(boxes, 1):
        image = dict(id=img_id, file_name=f'{img_id}.png', width=100,
                     height=100)
        image.update((extra or {}).get(img_id, {}))
        images.append(image)
        for cat, box in objs:
            anns.append(dict(id=len(anns) + 1, image_id=img_id,
                             category_id=cat, bbox=box, iscrowd=0,
                             area=box[2] * box[3]))
    json.dump(dict(images=images, annotations=anns,
                   categories=[dict(id=i + 1, name=n)
                               for i, n in enumerate(cats)]),
              open(path, 'w'))
    return str(path)


def _sample(img_id, objs, shift=0.0, **meta):
    boxes = torch.tensor([[x + shift * w, y + shift * h, x + w + shift * w,
                           y + h + shift * h] for _, (x, y, w, h) in objs],
                         dtype=torch.float32)
    return dict(img_id=img_id, ori_shape=(100, 100),
                pred_instances=dict(
                    bboxes=boxes, scores=torch.ones(len(objs)),
                    labels=torch.tensor([c - 1 for c, _ in objs])),
                **meta)


def test_pidray_metric_reports_subsets_and_mean(tmp_path):
    classes = PIDrayDataset.METAINFO['classes']
    gts = {
        'easy': [[(1, [10, 10, 30, 30])], [(2, [50, 50, 20, 20])]],
        'hard': [[(3, [5, 5, 40, 40]), (4, [60, 60, 30, 30])]],
        'hidden': [[(12, [20, 30, 25, 25])]],
    }
    files = {name: _write(tmp_path / f'{name}.json', objs, classes)
             for name, objs in gts.items()}
    metric = PIDrayMetric(ann_files=files)
    metric.dataset_meta = PIDrayDataset.METAINFO
    samples = []
    for name, objs in gts.items():
        for img_id, boxes in enumerate(objs, 1):  # ids repeat across subsets
            # hidden gets a box shifted by 40%: a miss at IoU >= .5
            samples.append(_sample(img_id, boxes,
                                   shift=0.4 if name == 'hidden' else 0.0,
                                   subset=name))
    metric.process({}, samples)
    result = metric.evaluate(len(samples))
    assert result['pidray/easy_bbox_mAP'] == pytest.approx(1.0)
    assert result['pidray/hard_bbox_mAP'] == pytest.approx(1.0)
    hidden = result['pidray/hidden_bbox_mAP']
    assert hidden < 0.5
    assert result['pidray/overall_bbox_mAP'] == pytest.approx(
        round((1.0 + 1.0 + hidden) / 3, 3))


def test_pidray_metric_needs_subset(tmp_path):
    classes = PIDrayDataset.METAINFO['classes']
    files = {'easy': _write(tmp_path / 'easy.json', [[(1, [1, 1, 9, 9])]],
                            classes)}
    metric = PIDrayMetric(ann_files=files)
    metric.dataset_meta = PIDrayDataset.METAINFO
    with pytest.raises(KeyError, match="meta_keys"):
        metric.process({}, [_sample(1, [(1, [1, 1, 9, 9])])])


def test_exdark_metric_ap_per_lighting_type(tmp_path):
    classes = ExDarkDataset.METAINFO['classes']
    objs = [[(1, [10, 10, 30, 30])], [(11, [40, 40, 30, 30])],
            [(5, [5, 5, 50, 50])], []]
    lights = {1: dict(light=1), 2: dict(light=1), 3: dict(light=10),
              4: dict(light=5)}
    path = _write(tmp_path / 'test.json', objs, classes, extra=lights)
    metric = ExDarkMetric(ann_file=path, metric='bbox')
    metric.dataset_meta = ExDarkDataset.METAINFO
    samples = [_sample(1, objs[0]), _sample(2, objs[1]),
               _sample(3, objs[2], shift=0.5), _sample(4, [(2, [1, 1, 9, 9])])]
    metric.process({}, samples)
    result = metric.evaluate(4)
    assert result['coco/light_Low_bbox_mAP'] == pytest.approx(1.0)
    assert result['coco/light_Twilight_bbox_mAP'] == pytest.approx(0.0)
    assert 'coco/light_Ambient_bbox_mAP' not in result  # no such image
    assert 'coco/light_Weak_bbox_mAP' not in result  # no ground truth
    assert 0 < result['coco/bbox_mAP'] < 1


def test_exdark_metric_ap_and_ap50_per_lighting_type(tmp_path):
    """One GT (5,5,50,50) and one detection moved by 5 px: IoU 45^2 /
    (2 * 50^2 - 45^2) = 2025 / 2975 = 0.68, a hit at IoU .50 .. .65 only:
    AP@[.5:.95] = 4 / 10 = 0.4, AP50 = 1; the other light is perfect."""
    classes = ExDarkDataset.METAINFO['classes']
    objs = [[(3, [5, 5, 50, 50])], [(7, [20, 20, 40, 30])]]
    lights = {1: dict(light=2), 2: dict(light=4)}
    path = _write(tmp_path / 'test.json', objs, classes, extra=lights)
    metric = ExDarkMetric(ann_file=path, metric='bbox')
    metric.dataset_meta = ExDarkDataset.METAINFO
    metric.process({}, [_sample(1, objs[0], shift=0.1), _sample(2, objs[1])])
    result = metric.evaluate(2)
    from projects.common.datasets.exdark import EXDARK_LIGHTING
    moved, perfect = EXDARK_LIGHTING[1], EXDARK_LIGHTING[3]
    assert result[f'coco/light_{moved}_bbox_mAP'] == pytest.approx(0.4)
    assert result[f'coco/light_{moved}_bbox_mAP_50'] == pytest.approx(1.0)
    assert result[f'coco/light_{perfect}_bbox_mAP'] == pytest.approx(1.0)
    # overall: two classes, AP 0.4 and 1 -> 0.7
    assert result['coco/bbox_mAP'] == pytest.approx(0.7)
