"""Scanpath datasets: Amazon (real fixations from ../shared/data),
COCO-Search18 (synthetic records in the official schema), the generic
format, geometry and crops."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

init_default_scope('mmdet')
import projects.oat  # noqa: E402,F401
from mmdet.registry import DATASETS  # noqa: E402
from projects.oat.datasets import (assign_fixations,  # noqa: E402
                                   grid_positions, screen_to_image)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def amazon_json(shared_data):
    return osp.join(shared_data, 'scanpath', 'STI_AmazonCovers',
                    'Amazon.json')


def test_fixation_assignment_follows_oat():
    boxes = np.array([[0, 0, 10, 10], [10, 0, 20, 10], [40, 0, 50, 10]])
    points = np.array([[5, 5],    # inside box 0
                       [10, 5],   # on the shared border: the first box
                       [28, 5],   # in the gap: nearest centre (15 vs 45)
                       [33, 5],   # nearer to box 2's centre
                       [100, 100]])
    assert assign_fixations(points, boxes).tolist() == [0, 0, 1, 2, 2]


def test_amazon_counts_drop_rule_and_split(amazon_json):
    with open(amazon_json) as f:
        raw = json.load(f)
    lengths = [len(f) for v in raw.values() for f in v['fixations'].values()]
    assert len(lengths) == 600
    mean, std = np.mean(lengths), np.std(lengths)
    kept = [n for n in lengths if mean - 3 * std <= n <= mean + 3 * std]
    every = DATASETS.build(dict(type='AmazonScanpathDataset',
                                ann_file=amazon_json))
    assert len(every) == len(kept) == 585
    assert sorted(len(every.get_data_info(i)['scanpath'])
                  for i in range(len(every))) == sorted(kept)
    sizes = {}
    for split in ('train', 'val', 'test'):
        ds = DATASETS.build(dict(type='AmazonScanpathDataset',
                                 ann_file=amazon_json, split=split))
        sizes[split] = {ds.get_data_info(i)['trial_id']
                        for i in range(len(ds))}
    assert [len(sizes[s]) for s in ('train', 'val', 'test')] == [468, 58, 59]
    assert not (sizes['train'] & sizes['test'])
    assert set.union(*sizes.values()) == {
        every.get_data_info(i)['trial_id'] for i in range(len(every))}


def test_amazon_targets_and_fixations_on_the_grid(amazon_json):
    with open(amazon_json) as f:
        raw = json.load(f)
    ds = DATASETS.build(dict(type='AmazonScanpathDataset',
                             ann_file=amazon_json))
    info = ds.get_data_info(0)
    name = osp.basename(info['img_path'])
    entry = raw[name]
    w, h = entry['size']['width'], entry['size']['height']
    gt = entry['ground_truth'][0]
    cx, cy = (gt['xmin'] + gt['xmax']) / 2, (gt['ymin'] + gt['ymax']) / 2
    row, col = int(cy / (h / 6)), int(cx / (w / 14))
    assert info['target'] == row * 14 + col
    assert tuple(info['positions'][info['target']]) == (row, col)
    subject = info['subject']
    fix = np.array(entry['fixations'][subject], float)
    cells = (np.clip((fix[:, 1] / (h / 6)).astype(int), 0, 5) * 14 +
             np.clip((fix[:, 0] / (w / 14)).astype(int), 0, 13))
    np.testing.assert_array_equal(info['scanpath'], cells)


def test_amazon_config_max_len_is_the_longest_training_scanpath(amazon_json):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/oat/oat_amazon.py'))
    ds = DATASETS.build(dict(type='AmazonScanpathDataset',
                             ann_file=amazon_json, split='train'))
    assert cfg.model.max_len == ds.longest_scanpath


def test_amazon_crops_from_a_stand_in_collage(amazon_json, tmp_path):
    """The collages are not public in git: a stand-in of the right size with
    one colour per cell; each crop holds its cell's colour."""
    with open(amazon_json) as f:
        raw = json.load(f)
    ds = DATASETS.build(dict(
        type='AmazonScanpathDataset', ann_file=amazon_json,
        data_prefix=dict(img=str(tmp_path)),
        pipeline=[dict(type='LoadObjectCrops', crop_size=(150, 93)),
                  dict(type='PackScanpathInputs')]))
    info = ds.get_data_info(0)
    name = osp.basename(info['img_path'])
    w, h = raw[name]['size']['width'], raw[name]['size']['height']
    img = np.zeros((h, w, 3), np.uint8)
    colours = {}
    for k, (x1, y1, x2, y2) in enumerate(info['boxes'].astype(int)):
        colours[k] = (k * 3 % 256, k * 7 % 256, 255 - k)
        img[y1:y2, x1:x2] = colours[k]
    cv2.imwrite(str(tmp_path / name), img)
    out = ds[0]
    crops = out['inputs']
    assert tuple(crops.shape) == (84, 3, 150, 93)
    for k in (0, 13, 50, 83):
        np.testing.assert_allclose(crops[k, :, 75, 46].numpy(),
                                   colours[k], atol=3)  # jpeg
    sample = out['data_samples']
    assert sample.ori_shape == (h, w)
    assert len(sample.gt_fixations) == len(sample.gt_scanpath)
    with pytest.raises(FileNotFoundError, match='cannot read image'):
        ds[len(ds) - 1]


def _coco_search_files(tmp_path):
    instances = dict(
        images=[dict(id=42, file_name='COCO_val2014_000000000042.jpg',
                     width=640, height=480),
                dict(id=7, file_name='COCO_val2014_000000000007.jpg',
                     width=480, height=640)],
        annotations=[
            dict(id=1, image_id=42, bbox=[10, 20, 100, 80], category_id=44),
            dict(id=2, image_id=42, bbox=[300, 200, 120, 150],
                 category_id=62),
            dict(id=3, image_id=42, bbox=[0, 0, 640, 480], category_id=1,
                 iscrowd=1),
            dict(id=4, image_id=7, bbox=[100, 100, 50, 50], category_id=44),
            dict(id=5, image_id=7, bbox=[200, 400, 100, 100],
                 category_id=62)],
        categories=[dict(id=44, name='bottle'), dict(id=62, name='chair')])

    def to_screen(xy, w, h):
        s = min(1680 / w, 1050 / h)
        off = np.array([(1680 - w * s) / 2, (1050 - h * s) / 2])
        return np.asarray(xy, float) * s + off

    recs = []
    for name, (w, h), target, pts, split in [
            ('000000000042.jpg', (640, 480), [300, 200, 120, 150],
             [[320, 240], [60, 60], [350, 260]], 'train'),
            ('000000000007.jpg', (480, 640), [100, 100, 50, 50],
             [[240, 320], [125, 120]], 'valid')]:
        xy = to_screen(pts, w, h)
        corners = to_screen([target[:2], [target[0] + target[2],
                                          target[1] + target[3]]], w, h)
        recs.append(dict(name=name, subject=1, task='chair',
                         condition='present',
                         bbox=[*corners[0], *(corners[1] - corners[0])],
                         X=xy[:, 0].tolist(), Y=xy[:, 1].tolist(),
                         T=[200] * len(pts), length=len(pts), correct=1,
                         split=split))
    recs.append(dict(recs[0], condition='absent'))
    inst = tmp_path / 'instances_val2014.json'
    fix = tmp_path / 'coco_search18_fixations_TP_train.json'
    inst.write_text(json.dumps(instances))
    fix.write_text(json.dumps(recs))
    return str(inst), str(fix)


def test_coco_search18_maps_screen_back_to_coco(tmp_path):
    inst, fix = _coco_search_files(tmp_path)
    ds = DATASETS.build(dict(type='COCOSearch18Dataset', ann_file=fix,
                             instances_file=inst,
                             data_prefix=dict(img='val2014/')))
    assert len(ds) == 2  # the target-absent record is skipped
    first = ds.get_data_info(0)
    np.testing.assert_allclose(first['fixations'],
                               [[320, 240], [60, 60], [350, 260]], atol=1e-4)
    assert len(first['boxes']) == 2  # the crowd box is not an object
    assert first['target'] == 1  # the chair at (300, 200)
    assert first['scanpath'].tolist() == [1, 0, 1]
    assert first['img_path'] == 'val2014/COCO_val2014_000000000042.jpg'
    second = ds.get_data_info(1)
    np.testing.assert_allclose(second['fixations'][1], [125, 120],
                               atol=1e-4)
    # (240, 320) is in no box and nearer box 1's centre; (125, 120) in box 0
    assert second['scanpath'].tolist() == [1, 0]
    val = DATASETS.build(dict(type='COCOSearch18Dataset', ann_file=fix,
                              instances_file=inst, split='val'))
    assert len(val) == 1
    back = screen_to_image([[840, 525]], 640, 480)
    np.testing.assert_allclose(back, [[320, 240]])


def test_generic_dataset_errors_name_the_file_and_record(tmp_path):
    data = dict(images=[dict(id=1, file_name='a.png', width=50,
                             height=50)],
                annotations=[dict(id=9, image_id=1, bbox=[0, 0, 10, 10])],
                scanpaths=[dict(image_id=1, fixations=[[5, 5]])])
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r'bad.json: scanpaths\[0\]: needs '
                       r'"target_id" or "target_bbox"'):
        DATASETS.build(dict(type='ObjectScanpathDataset',
                            ann_file=str(path)))
    data['scanpaths'][0]['target_id'] = 3
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match='target_id 3 is not an annotation'):
        DATASETS.build(dict(type='ObjectScanpathDataset',
                            ann_file=str(path)))


def test_free_form_boxes_get_grid_positions():
    """A 2 x 3 shelf with jittered boxes: the rows and columns are found;
    a scene of scattered boxes beyond the table is quantised to it."""
    rng = np.random.default_rng(0)
    boxes = []
    for r in range(2):
        for c in range(3):
            x, y = c * 100 + rng.uniform(0, 8), r * 150 + rng.uniform(0, 8)
            boxes.append([x, y, x + 80, y + 120])
    pos, layout = grid_positions(np.array(boxes), 300, 300)
    assert layout == (2, 3)
    assert pos.tolist() == [[r, c] for r in range(2) for c in range(3)]
    xs = np.linspace(0, 990, 20)
    scattered = np.stack([xs, xs, xs + 5, xs + 5], 1)
    pos, layout = grid_positions(scattered, 1000, 1000, max_size=14)
    assert max(layout) <= 14 and pos.max() <= 13


def test_amazon_covers_from_oat_layout_masks(amazon_json, tmp_path):
    """With OAT's binary layout masks the covers are their white regions,
    in reading order (top edge quantised to 10 px, then left to right)."""
    with open(amazon_json) as f:
        raw = json.load(f)
    (tmp_path / 'binarymask').mkdir()
    rng = np.random.default_rng(0)
    expected = {}
    for name in list(raw)[:2]:
        w, h = raw[name]['size']['width'], raw[name]['size']['height']
        mask = np.zeros((h, w, 3), np.uint8)
        boxes = []
        for r in range(6):
            for c in range(14):
                x1 = int(c * w / 14 + rng.integers(5, 20))
                y1 = int(r * 260 + rng.integers(0, 9))  # one 10-px band
                x2, y2 = x1 + 150, y1 + 240
                mask[y1:y2 + 1, x1:x2 + 1] = 255
                boxes.append([x1, y1, x2 + 1, y2 + 1])
        cv2.imwrite(str(tmp_path / 'binarymask' / f'14x6-{name}'), mask)
        expected[name] = np.array(boxes, float)
    sub = {name: raw[name] for name in expected}
    ann = tmp_path / 'Amazon2.json'
    ann.write_text(json.dumps(sub))
    ds = DATASETS.build(dict(type='AmazonScanpathDataset',
                             ann_file=str(ann), data_root=str(tmp_path),
                             mask_prefix='binarymask', drop_outliers=False))
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        np.testing.assert_array_equal(
            info['boxes'], expected[osp.basename(info['img_path'])])
    cv2.imwrite(str(tmp_path / 'binarymask' / f'14x6-{list(sub)[0]}'),
                np.zeros((50, 50, 3), np.uint8))
    with pytest.raises(ValueError, match='0 regions, expected 84'):
        DATASETS.build(dict(type='AmazonScanpathDataset', ann_file=str(ann),
                            data_root=str(tmp_path),
                            mask_prefix='binarymask'))
