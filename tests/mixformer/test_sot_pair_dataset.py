"""Training pairs: shapes, boxes inside the crops, stage-2 labels, COCO as
one-frame sequences, and clear errors."""
import numpy as np
import pytest

from mmengine.registry import init_default_scope

import projects.mixformer  # noqa: F401  (registration)
from mmdet.registry import DATASETS

init_default_scope('mmdet')


def _pairs(toy_data, **kwargs):
    np.random.seed(0)
    cfg = dict(
        type='SOTPairDataset',
        datasets=[dict(type='ToySOTDataset', data_root=toy_data)],
        samples_per_epoch=6, template_size=64, search_size=160,
        min_frames=8)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_causal_pairs(toy_data):
    pairs = _pairs(toy_data)
    assert len(pairs) == 6
    for i in range(6):
        item = pairs[i]
        assert item['inputs']['template'].shape == (2, 3, 64, 64)
        assert item['inputs']['search'].shape == (3, 160, 160)
        box = item['data_samples'].search_bbox
        assert box.shape == (4, ) and box[2] > 0 and box[3] > 0
        # the target centre stays inside the crop (centre jitter 4.5 keeps
        # it within +-2.25 target sizes of the centre of a 5x crop)
        centre = box[:2] + box[2:] / 2
        assert (centre > -0.1).all() and (centre < 1.1).all()
        assert item['data_samples'].label == 1


def test_causal_frame_order(toy_data):
    """Stage 1 (official causal sampling): online templates before the base
    frame within the gap, the search frame after it within the gap, only
    visible frames."""
    pairs = _pairs(toy_data, max_gap=4, num_templates=3)
    visible = np.ones(40, bool)
    visible[[10, 11, 25]] = False
    video = dict(frames=[f'{i}.jpg' for i in range(40)], visible=visible,
                 gt_bboxes=np.tile(np.array([1., 1., 5., 5.]), (40, 1)))
    rng = np.random.default_rng(0)
    within_gap = 0
    for _ in range(300):
        (base, *online), search = pairs._causal_ids(video, rng)
        assert visible[[base, search, *online]].all()
        assert len(set(online)) == 2
        assert max(online) < base < search, (online, base, search)
        # the gap grows by 5 after a failed draw (a base without enough
        # earlier or later visible frames), so most draws keep the first one
        within_gap += min(online) >= base - 4 and search < base + 4
    assert within_gap >= 250


class _FixedRng:
    """random() always 0 (every 'p < prob' draw happens), uniform() the
    midpoint (brightness factor 1)."""

    def random(self):
        return 0.0

    def uniform(self, low, high):
        return (low + high) / 2


def test_joint_flip_of_the_frames_and_boxes(toy_data):
    pairs = _pairs(toy_data, gray_prob=0.0, flip_prob=1.0)
    frame = np.zeros((50, 100, 3), np.uint8)
    frame[20:60, 10:40] = 255  # the box (10, 20, 30, 40)
    frames, boxes = pairs._augment_frames([frame], [np.array(
        [10., 20., 30., 40.])], _FixedRng())
    # official: x -> W - 1 - x - w = 100 - 1 - 10 - 30 = 59 (W the width)
    np.testing.assert_array_equal(boxes[0], [59, 20, 30, 40])
    cols = np.flatnonzero(frames[0][25].any(-1))
    assert cols.min() == 60 and cols.max() == 89  # 100 - 1 - (10 .. 39)


def test_search_box_follows_the_flipped_crop(toy_data):
    """A white target on black: after the crop (and its forced flip) the
    white pixels lie inside search_bbox * size."""
    pairs = _pairs(toy_data, brightness=0.2)
    frame = np.zeros((200, 200, 3), np.uint8)
    box = np.array([70., 60., 40., 20.])
    frame[60:80, 70:110] = 255
    crop_box = np.array([50., 70., 40., 20.])  # the jittered box, off-centre
    patch, norm_box = pairs._crop(frame, box, crop_box, 4.0, 160,
                                  _FixedRng())
    white = patch.numpy().min(0) > 200
    rows, cols = np.flatnonzero(white.any(1)), np.flatnonzero(white.any(0))
    x, y, w, h = norm_box * 160
    # the crop side ceil(sqrt(800) * 4) = 114 maps to 160 px
    assert w == pytest.approx(40 * 160 / 114)
    assert abs(cols.min() - x) <= 1.5 and abs(cols.max() + 1 - (x + w)) <= 1.5
    assert abs(rows.min() - y) <= 1.5 and abs(rows.max() + 1 - (y + h)) <= 1.5
    # the target is right of the crop centre before the flip: left after
    assert x + w / 2 < 80


def test_cls_mode_gives_positives_and_negatives(toy_data):
    pairs = _pairs(toy_data, mode='cls', pos_prob=0.5)
    pairs.samples_per_epoch = 30
    labels = {pairs[i]['data_samples'].label for i in range(30)}
    assert labels == {0, 1}


def test_coco_boxes_as_sequences(shared_data):
    np.random.seed(0)
    pairs = DATASETS.build(dict(
        type='SOTPairDataset',
        datasets=[dict(type='SOTCocoDataset',
                       data_root=f'{shared_data}/coco/tinycoco',
                       loader_cfg=dict(img_prefix='train2017'))],
        samples_per_epoch=3, template_size=64, search_size=160))
    item = pairs[0]
    assert item['inputs']['template'].shape == (2, 3, 64, 64)


def test_errors(toy_data, tmp_path):
    with pytest.raises(ValueError, match="'causal' or 'cls'"):
        _pairs(toy_data, mode='trident')
    with pytest.raises(ValueError, match='enough visible frames'):
        _pairs(toy_data, min_frames=1000)
