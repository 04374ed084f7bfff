"""tools/misc/make_toy_data.py: deterministic COCO splits and a video."""
import filecmp
import json
import os.path as osp

import cv2

import projects.common  # noqa: F401
from projects.common.datasets import TOY_CLASSES, ToyShapesDataset

from projects.common.testing import run_tool


def _make(out, seed, *extra, num_train=6):
    result = run_tool(['tools/misc/make_toy_data.py', '--out', str(out),
                       '--seed', str(seed), '--num-train', str(num_train),
                       '--num-val', '2', '--num-test', '2',
                       '--video-frames', '5', *extra])
    assert result.returncode == 0, result.stderr


def test_same_seed_same_files(tmp_path):
    _make(tmp_path / 'a', 5)
    _make(tmp_path / 'b', 5)
    _make(tmp_path / 'c', 6)
    for rel in ('annotations/train.json', 'annotations/test.json',
                'train/00003.png', 'video/shapes.json'):
        assert filecmp.cmp(tmp_path / 'a' / rel, tmp_path / 'b' / rel,
                           shallow=False), rel
    assert not filecmp.cmp(tmp_path / 'a' / 'train/00003.png',
                           tmp_path / 'c' / 'train/00003.png', shallow=False)


def test_toy_data_is_valid_coco_and_video(toy_data):
    train = json.load(open(osp.join(toy_data, 'annotations', 'train.json')))
    assert [c['name'] for c in train['categories']] == list(TOY_CLASSES)
    assert len(train['images']) == 24
    for ann in train['annotations']:
        x, y, w, h = ann['bbox']
        assert w >= 1 and h >= 1 and x >= 0 and y >= 0
        assert x + w <= 128 and y + h <= 128
    dataset = ToyShapesDataset(
        data_root=toy_data + '/', ann_file='annotations/train.json',
        data_prefix=dict(img='train/'), pipeline=[])
    assert len(dataset) == 24
    video = json.load(open(osp.join(toy_data, 'video', 'shapes.json')))
    assert len(video['frames']) == 12
    assert all(len(f['objects']) == 3 for f in video['frames'])
    capture = cv2.VideoCapture(osp.join(toy_data, 'video', 'shapes.mp4'))
    frames = 0
    while capture.read()[0]:
        frames += 1
    assert frames == 12


def test_low_light_copy_keeps_shapes_boxes_and_splits(tmp_path):
    """--low-light: the same annotations as the normal toy at the same
    seed, every image darker (some near black), noise on the dark ones."""
    import numpy as np
    _make(tmp_path / 'day', 3, num_train=30)
    _make(tmp_path / 'night', 3, '--low-light', num_train=30)
    for split in ('train', 'val', 'test'):
        rel = f'annotations/{split}.json'
        assert filecmp.cmp(tmp_path / 'day' / rel, tmp_path / 'night' / rel,
                           shallow=False), rel
    means = []
    for i in range(30):
        day = cv2.imread(str(tmp_path / 'day' / 'train' / f'{i:05d}.png'))
        night = cv2.imread(str(tmp_path / 'night' / 'train' /
                               f'{i:05d}.png'))
        assert night.shape == day.shape
        assert night.mean() < 0.5 * day.mean()
        means.append(night.mean())
    assert min(means) < 3  # near black (about 1% of full scale)
    assert max(means) > 5
    # still a picture of the shapes: the brightest night image follows
    # its day image
    name = f'{int(np.argmax(means)):05d}.png'
    day = cv2.imread(str(tmp_path / 'day' / 'train' / name), 0)
    night = cv2.imread(str(tmp_path / 'night' / 'train' / name), 0)
    assert np.corrcoef(day.ravel(), night.ravel())[0, 1] > 0.5
