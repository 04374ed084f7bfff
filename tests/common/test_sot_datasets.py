"""SOT layout parsers (LaSOT, GOT-10k, TrackingNet, OTB, VOT, toy video)
and the frame-indexed BaseSOTDataset."""
import json
import os
import os.path as osp
import re

import numpy as np
import pytest

import projects.common  # noqa: F401
from mmdet.registry import DATASETS
from projects.common.datasets.sot import (BaseSOTDataset, LaSOTDataset,
                                          load_got10k, load_lasot, load_otb,
                                          load_toy_video, load_trackingnet,
                                          load_vot, polygon_to_xywh)

RECORD_KEYS = {'video_name', 'frames', 'gt_bboxes', 'visible', 'cover'}


def _touch_images(folder, names):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        open(osp.join(folder, name), 'wb').close()


def _write(path, text):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def _check_record(record, n):
    assert set(record) == RECORD_KEYS
    assert len(record['frames']) == n
    assert all(osp.isabs(f) for f in record['frames'])
    assert record['gt_bboxes'].dtype == np.float32
    assert record['gt_bboxes'].shape == (n, 4)
    assert record['visible'].dtype == bool
    assert record['visible'].shape == (n, )


def _boxes(n, offset=0):
    return [[10 + i + offset, 20 + i, 30, 40] for i in range(n)]


def _box_lines(boxes, sep=','):
    return ''.join(sep.join(str(v) for v in b) + '\n' for b in boxes)


# ------------------------------------------------------------------ LaSOT
def _make_lasot_seq(root, name, n, occlusion, out_of_view):
    cls = name.rsplit('-', 1)[0]
    seq = osp.join(root, cls, name)
    _touch_images(osp.join(seq, 'img'),
                  [f'{i:08d}.jpg' for i in range(1, n + 1)])
    _write(osp.join(seq, 'groundtruth.txt'), _box_lines(_boxes(n)))
    _write(osp.join(seq, 'full_occlusion.txt'),
           ','.join(map(str, occlusion)) + '\n')
    _write(osp.join(seq, 'out_of_view.txt'),
           ','.join(map(str, out_of_view)))
    return seq


@pytest.fixture
def lasot_root(tmp_path):
    root = str(tmp_path / 'lasot')
    _make_lasot_seq(root, 'airplane-1', 4, [0, 1, 0, 0], [0, 0, 0, 1])
    _make_lasot_seq(root, 'airplane-10', 3, [0, 0, 0], [0, 0, 0])
    _make_lasot_seq(root, 'airplane-2', 2, [0, 0], [0, 0])
    _make_lasot_seq(root, 'bird-3', 5, [0] * 5, [0] * 5)
    os.makedirs(osp.join(root, 'bird', 'notes'))  # not a sequence
    return root


def test_lasot_all_folders(lasot_root):
    records = load_lasot(lasot_root)
    assert [r['video_name'] for r in records] == [
        'airplane-1', 'airplane-2', 'airplane-10', 'bird-3']
    first = records[0]
    _check_record(first, 4)
    assert first['cover'] is None
    assert first['frames'][0].endswith(
        osp.join('airplane', 'airplane-1', 'img', '00000001.jpg'))
    np.testing.assert_array_equal(first['gt_bboxes'][1], [11, 21, 30, 40])
    # visible = not full_occlusion and not out_of_view
    assert first['visible'].tolist() == [True, False, True, False]


def test_lasot_split_file_and_names(lasot_root):
    _write(osp.join(lasot_root, 'testing_set.txt'), 'bird-3\nairplane-2\n\n')
    records = load_lasot(lasot_root, split_file='testing_set.txt')
    assert [r['video_name'] for r in records] == ['bird-3', 'airplane-2']
    records = load_lasot(lasot_root, video_names=['airplane-10'])
    assert [r['video_name'] for r in records] == ['airplane-10']
    _check_record(records[0], 3)


def test_lasot_missing_groundtruth_names_file_and_layout(lasot_root):
    path = osp.join(lasot_root, 'airplane', 'airplane-1', 'groundtruth.txt')
    os.remove(path)
    with pytest.raises(FileNotFoundError) as info:
        load_lasot(lasot_root)
    message = str(info.value)
    assert message.startswith(f'{path}: missing; expected LaSOT layout')
    assert '<root>/<class>/<class>-<k>/groundtruth.txt' in message


def test_lasot_visibility_count_mismatch(lasot_root):
    path = osp.join(lasot_root, 'bird', 'bird-3', 'out_of_view.txt')
    _write(path, '0,0,0\n')
    with pytest.raises(ValueError, match=re.escape(path) +
                       r': 3 out_of_view values but 5 frames'):
        load_lasot(lasot_root, video_names=['bird-3'])


def test_lasot_missing_sequence_of_split(lasot_root):
    with pytest.raises(FileNotFoundError, match='cat-7'):
        load_lasot(lasot_root, video_names=['cat-7'])


# ------------------------------------------------------------------ GOT-10k
def _make_got_seq(split_dir, name, n, gt_lines, absence=None, cover=None):
    seq = osp.join(split_dir, name)
    _touch_images(seq, [f'{i:08d}.jpg' for i in range(1, n + 1)])
    _write(osp.join(seq, 'groundtruth.txt'),
           _box_lines(_boxes(gt_lines), sep=','))
    if absence is not None:
        _write(osp.join(seq, 'absence.label'),
               ''.join(f'{v}\n' for v in absence))
    if cover is not None:
        _write(osp.join(seq, 'cover.label'),
               ''.join(f'{v}\n' for v in cover))
    return seq


@pytest.fixture
def got_root(tmp_path):
    root = str(tmp_path / 'got10k')
    val = osp.join(root, 'val')
    _make_got_seq(val, 'GOT-10k_Val_000001', 5, 5, absence=[0, 0, 1, 0, 0],
                  cover=[8, 0, 0, 3, 8])
    _make_got_seq(val, 'GOT-10k_Val_000002', 3, 3, absence=[0, 0, 0],
                  cover=[8, 8, 8])
    _write(osp.join(val, 'list.txt'),
           'GOT-10k_Val_000002\nGOT-10k_Val_000001\n')
    test = osp.join(root, 'test')
    _make_got_seq(test, 'GOT-10k_Test_000001', 6, 1)
    _write(osp.join(test, 'list.txt'), 'GOT-10k_Test_000001\n')
    return root


def test_got10k_val_labels(got_root):
    records = load_got10k(got_root, split='val')
    # the order of list.txt
    assert [r['video_name'] for r in records] == [
        'GOT-10k_Val_000002', 'GOT-10k_Val_000001']
    record = records[1]
    _check_record(record, 5)
    assert record['cover'].tolist() == [8, 0, 0, 3, 8]
    # visible = not absence and cover > 0
    assert record['visible'].tolist() == [True, False, False, True, True]
    np.testing.assert_array_equal(record['gt_bboxes'][4], [14, 24, 30, 40])


def test_got10k_test_first_line_only(got_root):
    (record, ) = load_got10k(got_root, split='test')
    _check_record(record, 6)
    assert record['cover'] is None
    np.testing.assert_array_equal(record['gt_bboxes'][0], [10, 20, 30, 40])
    assert np.isnan(record['gt_bboxes'][1:]).all()  # unknown, not zeros
    assert record['visible'].tolist() == [True] + [False] * 5


def test_got10k_val_count_mismatch(got_root):
    seq = osp.join(got_root, 'val', 'GOT-10k_Val_000002')
    _write(osp.join(seq, 'groundtruth.txt'), _box_lines(_boxes(1)))
    # a single line is accepted for the test split only
    with pytest.raises(ValueError,
                       match=r'groundtruth.txt: 1 box lines but 3 frames'):
        load_got10k(got_root, split='val')


def test_got10k_bad_cover_value(got_root):
    path = osp.join(got_root, 'val', 'GOT-10k_Val_000002', 'cover.label')
    _write(path, '8\n9\n8\n')
    with pytest.raises(ValueError,
                       match=re.escape(path) + r' line 2 value 2: .*0..8'):
        load_got10k(got_root, split='val')


def test_got10k_bad_split():
    with pytest.raises(ValueError, match='train, val or test'):
        load_got10k('/nonexistent', split='valid')


# ------------------------------------------------------------- TrackingNet
def test_trackingnet_numeric_frame_order(tmp_path):
    root = str(tmp_path / 'trackingnet')
    test = osp.join(root, 'TEST')
    _touch_images(osp.join(test, 'frames', 'vidA'),
                  [f'{i}.jpg' for i in range(11)])
    _write(osp.join(test, 'anno', 'vidA.txt'), '1,2,3,4\n')
    train = osp.join(root, 'TRAIN_3')
    _touch_images(osp.join(train, 'frames', 'vidB'),
                  [f'{i}.jpg' for i in range(3)])
    _write(osp.join(train, 'anno', 'vidB.txt'), _box_lines(_boxes(3)))

    (record, ) = load_trackingnet(root)  # TEST by default
    _check_record(record, 11)
    assert record['video_name'] == 'vidA'
    names = [osp.basename(f) for f in record['frames']]
    assert names == [f'{i}.jpg' for i in range(11)]  # not 0, 1, 10, 2, ...
    np.testing.assert_array_equal(record['gt_bboxes'][0], [1, 2, 3, 4])
    assert np.isnan(record['gt_bboxes'][1:]).all()
    assert record['visible'].sum() == 1

    (record, ) = load_trackingnet(root, chunks=3)  # int -> TRAIN_3
    _check_record(record, 3)
    assert record['visible'].all()
    assert [r['video_name'] for r in
            load_trackingnet(root, chunks=('TRAIN', 'TEST'))] == [
                'vidB', 'vidA']

    # a TRAIN chunk needs one line per frame
    _write(osp.join(train, 'anno', 'vidB.txt'), '1,2,3,4\n')
    with pytest.raises(ValueError, match='1 box lines but 3 frames'):
        load_trackingnet(root, chunks='TRAIN_3')


def test_trackingnet_gap_in_frames(tmp_path):
    root = str(tmp_path / 'tn')
    _touch_images(osp.join(root, 'TEST', 'frames', 'v'),
                  ['0.jpg', '1.jpg', '3.jpg'])
    _write(osp.join(root, 'TEST', 'anno', 'v.txt'), '1,2,3,4\n')
    with pytest.raises(FileNotFoundError, match=r'v/2\.jpg: missing'):
        load_trackingnet(root)


# ------------------------------------------------------------------ OTB
def test_otb_separators_and_layouts(tmp_path):
    root = str(tmp_path / 'otb')
    # img/ sub-folder, tab separated
    _touch_images(osp.join(root, 'Basketball', 'img'),
                  [f'{i:04d}.jpg' for i in range(1, 4)])
    _write(osp.join(root, 'Basketball', 'groundtruth_rect.txt'),
           '198\t214\t34\t81\n197\t214\t34\t81\n195\t214\t34\t81\n')
    # images directly in the folder, comma separated (with CRLF)
    _touch_images(osp.join(root, 'Car4'),
                  [f'{i:04d}.jpg' for i in range(1, 3)])
    _write(osp.join(root, 'Car4', 'groundtruth_rect.txt'),
           '70,51,107,87\r\n70,51,107,87\r\n')
    # spaces, two targets
    _touch_images(osp.join(root, 'Jogging', 'img'),
                  [f'{i:04d}.jpg' for i in range(1, 3)])
    _write(osp.join(root, 'Jogging', 'groundtruth_rect.1.txt'),
           '111 98 25 101\n113 96 25 103\n')
    _write(osp.join(root, 'Jogging', 'groundtruth_rect.2.txt'),
           '180 79 37 112\n180 79 37 112\n')

    records = {r['video_name']: r for r in load_otb(root)}
    assert sorted(records) == ['Basketball', 'Car4', 'Jogging-1',
                               'Jogging-2']
    _check_record(records['Basketball'], 3)
    np.testing.assert_array_equal(records['Basketball']['gt_bboxes'][2],
                                  [195, 214, 34, 81])
    assert records['Basketball']['frames'][0].endswith(
        osp.join('Basketball', 'img', '0001.jpg'))
    _check_record(records['Car4'], 2)
    np.testing.assert_array_equal(records['Car4']['gt_bboxes'][0],
                                  [70, 51, 107, 87])
    assert records['Car4']['frames'][1].endswith(osp.join('Car4',
                                                          '0002.jpg'))
    np.testing.assert_array_equal(records['Jogging-2']['gt_bboxes'][1],
                                  [180, 79, 37, 112])
    assert all(r['visible'].all() for r in records.values())


def test_otb_late_start_needs_start_frames(tmp_path):
    root = str(tmp_path / 'otb')
    _touch_images(osp.join(root, 'David', 'img'),
                  [f'{i:04d}.jpg' for i in range(1, 8)])
    _write(osp.join(root, 'David', 'groundtruth_rect.txt'),
           _box_lines(_boxes(4)))
    with pytest.raises(ValueError) as info:
        load_otb(root)
    message = str(info.value)
    assert '4 box lines but 7 frames' in message
    assert 'start_frames=' in message
    (record, ) = load_otb(root, start_frames={'David': 3})
    _check_record(record, 4)
    assert osp.basename(record['frames'][0]) == '0003.jpg'


# ------------------------------------------------------------------ VOT
def test_polygon_to_box_hand_computed():
    # first line of vot15_bag/groundtruth.txt
    line = [291.827, 203.603, 396.382, 264.289, 442.173, 185.397, 337.618,
            124.711]
    x, y, w, h = polygon_to_xywh(line)
    # xs: 291.827 396.382 442.173 337.618; ys: 203.603 264.289 185.397
    # 124.711 -> x = 291.827, y = 124.711, w = 442.173 - 291.827 = 150.346,
    # h = 264.289 - 124.711 = 139.578
    assert (x, y) == (291.827, 124.711)
    assert w == pytest.approx(150.346)
    assert h == pytest.approx(139.578)


def test_vot_real_sequence(shared_data):
    sot_root = osp.join(shared_data, 'sot')
    records = [r for r in load_vot(sot_root)
               if r['video_name'] == 'vot15_bag']
    assert len(records) == 1
    record = records[0]
    _check_record(record, 196)
    assert osp.basename(record['frames'][0]) == '00000001.jpg'
    assert osp.basename(record['frames'][-1]) == '00000196.jpg'
    np.testing.assert_allclose(record['gt_bboxes'][0],
                               [291.827, 124.711, 150.346, 139.578],
                               atol=1e-3)
    assert record['visible'].all()
    # every box from the 8-value polygon lines: min/max of the corners
    lines = open(osp.join(sot_root, 'vot15_bag', 'groundtruth.txt')).read()
    values = np.array([[float(v) for v in line.split(',')]
                       for line in lines.split()])
    assert values.shape == (196, 8)
    expected = np.stack([
        values[:, 0::2].min(1), values[:, 1::2].min(1),
        values[:, 0::2].max(1) - values[:, 0::2].min(1),
        values[:, 1::2].max(1) - values[:, 1::2].min(1)
    ], 1)
    np.testing.assert_allclose(record['gt_bboxes'], expected, atol=1e-3)
    # the sequence folder itself is accepted as root
    (same, ) = load_vot(osp.join(sot_root, 'vot15_bag'))
    assert same['frames'] == record['frames']


def test_vot_rect_lines_and_nan(tmp_path):
    seq = str(tmp_path / 'vot' / 'ball')
    _touch_images(seq, ['a.png', 'b.png', 'c.jpg'])
    _write(osp.join(seq, 'groundtruth.txt'),
           '1,2,3,4\nnan,nan,nan,nan\n0,0,10,0,10,5,0,5\n')
    (record, ) = load_vot(str(tmp_path / 'vot'))
    _check_record(record, 3)
    assert [osp.basename(f) for f in record['frames']] == [
        'a.png', 'b.png', 'c.jpg']
    np.testing.assert_array_equal(record['gt_bboxes'],
                                  [[1, 2, 3, 4], [0, 0, 0, 0],
                                   [0, 0, 10, 5]])
    assert record['visible'].tolist() == [True, False, True]


def test_vot_malformed_line(tmp_path):
    seq = str(tmp_path / 'vot' / 'ball')
    _touch_images(seq, [f'{i:08d}.jpg' for i in range(1, 4)])
    path = osp.join(seq, 'groundtruth.txt')
    _write(path, '1,2,3,4\n1,2,3,4\n1,2,3\n')
    with pytest.raises(ValueError) as info:
        load_vot(str(tmp_path / 'vot'))
    assert str(info.value).startswith(
        f'{path} line 3: expected 4 or 8 numbers, got 3')
    _write(path, '1,2,3,4\n1,2,x,4\n1,2,3,4\n')
    with pytest.raises(ValueError, match=re.escape(path) + ' line 2: '):
        load_vot(str(tmp_path / 'vot'))


def test_vot_count_mismatch_names_both_counts(tmp_path):
    seq = str(tmp_path / 'vot' / 'ball')
    _touch_images(seq, [f'{i:08d}.jpg' for i in range(1, 5)])
    path = osp.join(seq, 'groundtruth.txt')
    _write(path, _box_lines(_boxes(3)))
    with pytest.raises(ValueError) as info:
        load_vot(str(tmp_path / 'vot'))
    assert str(info.value).startswith(
        f'{path}: 3 box lines but 4 frames in {seq}')


def test_vot_missing_root():
    with pytest.raises(FileNotFoundError, match='/no/such/vot: folder '
                       'missing; expected VOT layout'):
        load_vot('/no/such/vot')


# ------------------------------------------------------------------ toy
def test_toy_video_one_sequence_per_track(toy_data, tmp_path):
    meta = json.load(open(osp.join(toy_data, 'video', 'shapes.json')))
    frames_dir = str(tmp_path / 'frames')
    records = load_toy_video(toy_data, frames_dir=frames_dir)
    track_ids = sorted({o['track_id'] for f in meta['frames']
                        for o in f['objects']})
    assert [r['video_name'] for r in records] == [
        f'shapes-{t}' for t in track_ids]
    n = len(meta['frames'])
    assert n == 12
    for record, track_id in zip(records, track_ids):
        _check_record(record, n)
        assert all(osp.isfile(f) for f in record['frames'])
        for index, frame in enumerate(meta['frames']):
            (obj, ) = [o for o in frame['objects']
                       if o['track_id'] == track_id]
            np.testing.assert_allclose(record['gt_bboxes'][index],
                                       obj['bbox'])
        assert record['visible'].all()
    # extracted once: a second call reuses the frames
    mtime = os.path.getmtime(records[0]['frames'][0])
    again = load_toy_video(toy_data, frames_dir=frames_dir)
    assert os.path.getmtime(again[0]['frames'][0]) == mtime


def test_toy_video_absent_track(toy_data, tmp_path):
    # a copy of the toy annotation where track 2 leaves in frame 5
    video_dir = tmp_path / 'video'
    video_dir.mkdir()
    meta = json.load(open(osp.join(toy_data, 'video', 'shapes.json')))
    meta['frames'][5]['objects'] = [
        o for o in meta['frames'][5]['objects'] if o['track_id'] != 2]
    meta['video'] = osp.join(toy_data, 'video', 'shapes.mp4')  # absolute
    json.dump(meta, open(video_dir / 'shapes.json', 'w'))
    records = {r['video_name']: r for r in load_toy_video(str(tmp_path))}
    track2 = records['shapes-2']
    assert not track2['visible'][5]
    np.testing.assert_array_equal(track2['gt_bboxes'][5], [0, 0, 0, 0])
    assert track2['visible'].sum() == len(meta['frames']) - 1
    assert records['shapes-1']['visible'].all()


def test_toy_dataset_loads_images(toy_data, tmp_path):
    dataset = DATASETS.build(
        dict(type='ToySOTDataset', data_root=toy_data, test_mode=True,
             loader_cfg=dict(frames_dir=str(tmp_path / 'f')),
             pipeline=[dict(type='LoadImageFromFile')]))
    assert dataset.num_videos == 3
    assert len(dataset) == 36
    item = dataset[13]
    assert (item['video_id'], item['frame_id']) == (1, 1)
    assert item['img'].shape == (144, 192, 3)


# ------------------------------------------------------- BaseSOTDataset
def test_test_mode_frame_indexing(lasot_root):
    dataset = BaseSOTDataset(dataset_type='lasot', data_root=lasot_root,
                             test_mode=True, pipeline=[])
    # videos: airplane-1 (4), airplane-2 (2), airplane-10 (3), bird-3 (5)
    assert dataset.num_videos == 4
    assert len(dataset) == 14
    expected = [(v, f) for v, n in enumerate([4, 2, 3, 5])
                for f in range(n)]
    got = [(dataset[i]['video_id'], dataset[i]['frame_id'])
           for i in range(len(dataset))]
    assert got == expected

    item = dataset[7]  # airplane-10, frame 1
    assert item['video_name'] == 'airplane-10'
    assert item['video_length'] == 3
    assert item['img_path'].endswith(
        osp.join('airplane-10', 'img', '00000002.jpg'))
    assert item['gt_bbox'].dtype == np.float32
    # (x, y, w, h) as in the annotation, no conversion
    np.testing.assert_array_equal(item['gt_bbox'], [11, 21, 30, 40])
    np.testing.assert_array_equal(item['init_bbox'], [10, 20, 30, 40])
    assert item['init_bbox'].dtype == np.float32
    assert item['visible'] is True
    assert item['cover'] == -1
    assert dataset[1]['visible'] is False  # full occlusion
    assert dataset[-1]['video_name'] == 'bird-3'
    assert dataset[-1]['frame_id'] == 4
    with pytest.raises(IndexError):
        dataset[14]

    record = dataset.get_video(2)
    assert set(record) >= RECORD_KEYS
    assert record['video_name'] == 'airplane-10'
    assert dataset.get_video(-1)['video_name'] == 'bird-3'


def test_dataset_aliases_subsets_and_train_mode(lasot_root, got_root):
    dataset = DATASETS.build(
        dict(type='LaSOTDataset', data_root=lasot_root,
             loader_cfg=dict(video_names=['bird-3', 'airplane-2']),
             test_mode=True))
    assert isinstance(dataset, LaSOTDataset)
    assert len(dataset) == 7
    assert dataset[5]['video_name'] == 'airplane-2'
    subset = dataset.get_subset([1])
    assert len(subset) == 2 and subset[0]['video_name'] == 'airplane-2'
    assert len(dataset) == 7

    got = DATASETS.build(
        dict(type='GOT10kDataset', data_root=got_root,
             loader_cfg=dict(split='val'), test_mode=True,
             serialize_data=True))
    assert len(got) == 8
    item = got[3 + 3]  # second video (GOT-10k_Val_000001), frame 3
    assert item['video_name'] == 'GOT-10k_Val_000001'
    assert item['cover'] == 3 and item['visible'] is True

    train = DATASETS.build(
        dict(type='GOT10kDataset', data_root=got_root,
             loader_cfg=dict(split='val')))
    assert len(train) == 2  # video-level outside test mode
    assert train[1]['video_name'] == 'GOT-10k_Val_000001'
    assert len(train[1]['frames']) == 5

    with pytest.raises(ValueError, match='dataset_type'):
        BaseSOTDataset(dataset_type='imagenet', data_root=lasot_root)
    with pytest.raises(ValueError, match='BaseSOTDataset'):
        LaSOTDataset(dataset_type='vot', data_root=lasot_root)


def test_got10k_split_file_selects_by_index(tmp_path):
    """The official got10k_vot_train_split.txt holds 0-based indices into
    train/list.txt."""
    from projects.common.datasets.sot import load_got10k
    root = tmp_path / 'got10k'
    names = [f'GOT-10k_Train_{i:06d}' for i in range(1, 4)]
    (root / 'train').mkdir(parents=True)
    (root / 'train' / 'list.txt').write_text('\n'.join(names) + '\n')
    import cv2
    for name in names:
        d = root / 'train' / name
        d.mkdir()
        for j in range(1, 3):
            cv2.imwrite(str(d / f'{j:08d}.jpg'),
                        np.zeros((8, 8, 3), np.uint8))
        (d / 'groundtruth.txt').write_text('1,1,3,3\n1,1,3,3\n')
    (root / 'split.txt').write_text('2\n0\n')
    records = load_got10k(str(root), 'train', split_file='split.txt')
    assert [r['video_name'] for r in records] == [names[2], names[0]]
    (root / 'split.txt').write_text('7\n')
    with pytest.raises(ValueError, match=r'split.txt line 1: .7. is not an '
                       r'index into the 3 sequences'):
        load_got10k(str(root), 'train', split_file='split.txt')
