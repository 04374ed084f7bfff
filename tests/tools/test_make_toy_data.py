"""tools/misc/make_toy_data.py: deterministic COCO splits and a video."""
import filecmp
import json
import os.path as osp

import cv2

import projects.common  # noqa: F401
from projects.common.datasets import TOY_CLASSES, ToyShapesDataset

from projects.common.testing import run_tool, tool_module

GENERATOR = 'tools/misc/make_toy_data.py'


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
        day = json.load(open(tmp_path / 'day' / rel))
        night = json.load(open(tmp_path / 'night' / rel))
        # the same json but for the flag that says which one it is
        assert day['info'].pop('low_light') is False
        assert night['info'].pop('low_light') is True
        assert day == night, rel
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


def test_shapes_mostly_hidden_by_later_ones_are_crowd(monkeypatch,
                                                   tmp_path):
    """A shape drawn over by later ones (a small one under a large one)
    keeps its whole box and is annotated iscrowd (COCO's ignore) when less
    than half of its pixels show; visibility is recomputed here from the
    pasted masks."""
    import numpy as np
    module = tool_module(GENERATOR)
    pasted = []
    paste = module.paste

    def recording_paste(img, mask, x, y, colour):
        pasted.append((mask.astype(bool), x, y))
        return paste(img, mask, x, y, colour)

    monkeypatch.setattr(module, 'paste', recording_paste)
    path = module.write_split(str(tmp_path), 'train', 300,
                              np.random.default_rng(0))
    coco = json.load(open(path))
    anns = coco['annotations']
    assert len(anns) == len(pasted)
    crowd = []
    for image in coco['images']:
        objects = [a for a in anns if a['image_id'] == image['id']]
        shapes = [pasted.pop(0) for _ in objects]
        owner = np.full((128, 128), -1)
        for k, (mask, x, y) in enumerate(shapes):
            owner[y:y + mask.shape[0], x:x + mask.shape[1]][mask] = k
        for k, (ann, (mask, x, y)) in enumerate(zip(objects, shapes)):
            visible = (owner == k).sum() / mask.sum()
            assert ann['iscrowd'] == int(visible < 0.5), (ann, visible)
            assert ann['bbox'][2:] == [mask.shape[1], mask.shape[0]]
            crowd.append(ann['iscrowd'])
    # 2 of the 748 shapes of these 300 images (7.6 % and 14 % visible)
    assert sum(crowd) == 2 and len(crowd) == 748
    dataset = ToyShapesDataset(data_root=str(tmp_path) + '/',
                               ann_file='annotations/train.json',
                               data_prefix=dict(img='train/'), pipeline=[])
    flags = [i['ignore_flag'] for d in dataset for i in d['instances']]
    assert flags == crowd


def test_skip_current_writes_only_stale_data(tmp_path):
    """--skip-current: nothing is written when the folder holds this
    version's data of these arguments; older or other data is rewritten."""
    out = tmp_path / 'toy'
    _make(out, 5)
    train = out / 'annotations' / 'train.json'
    info = json.load(open(train))['info']
    assert info['version'] == tool_module(GENERATOR).DATA_VERSION
    assert (info['seed'], info['low_light']) == (5, False)

    def skip(*extra, seed=5):
        result = run_tool([GENERATOR, '--out', str(out), '--seed',
                           str(seed), '--num-train', '6', '--num-val', '2',
                           '--num-test', '2', '--video-frames', '5',
                           '--skip-current', *extra])
        assert result.returncode == 0, result.stderr
        return result.stdout

    stamp = train.stat().st_mtime_ns
    assert 'nothing to do' in skip()
    assert train.stat().st_mtime_ns == stamp
    assert 'seed=5, these arguments write 6' in skip(seed=6)
    assert json.load(open(train))['info']['seed'] == 6
    assert "info.low_light=False, these arguments write True" in skip(
        '--low-light', seed=6)
    # data of the first generator (no version) is rewritten
    coco = json.load(open(train))
    del coco['info']['version']
    json.dump(coco, open(train, 'w'))
    assert 'info.version=None, these arguments write' in skip(seed=6)
    assert 'nothing to do' in skip(seed=6)
    (out / 'annotations' / 'test.json').unlink()
    assert 'test.json is missing' in skip(seed=6)
    assert 'has 2 images, these arguments write 3' in skip(
        '--num-val', '3', seed=6)


def test_training_shapes_overlap_like_the_video_ones():
    """The training split's shapes cross as the toy video's do (box IoU up
    to MAX_IOU['train'], the later one in front); val and test keep their
    box IoU below 0.2."""
    import numpy as np
    module = tool_module(GENERATOR)
    assert module.MAX_IOU == dict(train=0.5, val=0.2, test=0.2)

    def pair_ious(max_iou):
        rng = np.random.default_rng(1)
        ious = []
        for _ in range(200):
            boxes = [box for _, box, _ in
                     module.make_image(rng, max_iou=max_iou)[1]]
            ious += [module._iou(a, b) for i, a in enumerate(boxes)
                     for b in boxes[:i]]
        return np.array(ious)

    wide, narrow = pair_ious(0.5), pair_ious(0.2)
    assert narrow.max() < 0.2 and wide.max() < 0.5
    # the video's circle and triangle cross with IoU 0.25-0.48
    assert ((wide > 0.25) & (wide < 0.5)).sum() >= 10
