"""MixFormer tracking: crops, cached vs uncached tracking, the tracking
loop through tools/test.py on the real VOT sequence, the converter and the
demo."""
import copy
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmdet.registry import MODELS
from projects.common.testing import MIXFORMER_TINY as TINY
from projects.common.testing import ROOT, fixture_state_dict, run_tool
from projects.mixformer import clip_box, crop_around, map_box_back
from projects.mixformer.cropping import box_in_crop

init_default_scope('mmdet')

TINY_CONFIG = 'tests/helpers/tiny_sot_config.py'
FIXTURE = osp.join(ROOT, 'tests', 'fixtures',
                   'mixformer_cvt_online_official_keys.txt')


def test_crop_follows_the_official_rules():
    img = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    # box near the bottom-right corner: the crop crosses both borders
    patch, factor, mask = crop_around(img, [8, 6, 4, 4], 2.0, 8)
    assert patch.shape == (8, 8, 3) and factor == 1.0
    # side 8, x1 = round(10 - 4) = 6, x2 = 14: right pad max(14-12+1, 0)=3
    # (the official quirk: the last image column is padded too)
    # and y1 = round(8 - 4) = 4, bottom pad max(12 - 10 + 1, 0) = 3
    assert mask[:, -3:].all() and mask[-3:].all() and not mask[:5, :5].any()
    assert (patch[mask] == 0).all()
    np.testing.assert_array_equal(patch[0, :5], img[4, 6:11])
    # the crop centre maps to (out - 1) / 2
    box = box_in_crop([8, 6, 4, 4], [8, 6, 4, 4], 1.0, 8)
    np.testing.assert_allclose(box, [1.5 / 8, 1.5 / 8, 0.5, 0.5])
    with pytest.raises(ValueError, match='too small'):
        crop_around(img, [1, 1, 0, 0], 2.0, 8)


def test_map_back_and_clip():
    # a prediction at the crop centre with the crop's scale returns the box
    prev = [100., 50., 20., 10.]
    side = np.ceil(np.sqrt(200) * 4.5)
    out = map_box_back([0.5, 0.5, 20 / side, 10 / side], prev, 320 / side,
                       320)
    np.testing.assert_allclose(out, prev, atol=1e-9)
    np.testing.assert_allclose(clip_box([-5, 95, 3, 30], 100, 200),
                               [0, 90, 10, 10])


def test_crop_crossing_the_top_border_of_a_wide_box():
    img = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    # box (1, 2, 8, 2): side ceil(sqrt(16) * 2) = 8, centre (5, 3):
    # x1 = round(5 - 4) = 1, y1 = round(3 - 4) = -1 -> one padded row on
    # top, none on the other sides (x2 = 9 < 12 - 1, y2 = 7 < 10 - 1)
    patch, factor, mask = crop_around(img, [1, 2, 8, 2], 2.0, 8)
    assert factor == 1.0
    assert (patch[0] == 0).all() and mask[0].all() and not mask[1:].any()
    np.testing.assert_array_equal(patch[1:], img[0:7, 1:9])
    # the factor is output size / crop side
    assert crop_around(img, [1, 2, 8, 2], 2.0, 16)[1] == 2.0


def test_box_in_a_scaled_crop_and_clip_on_the_right():
    # box centre (50, 45), crop centre (40, 50), factor 2, out 80:
    # centre -> 39.5 + (10, -5) * 2 = (59.5, 29.5), size (40, 20)
    box = box_in_crop([40, 40, 20, 10], [30, 40, 20, 20], 2.0, 80)
    np.testing.assert_allclose(box * 80, [39.5, 19.5, 40, 20])
    # x2 = 230 is cut at the width 200 (not the height 100)
    np.testing.assert_allclose(clip_box([150, 5, 80, 20], 100, 200),
                               [150, 5, 50, 20])
    # y1 is kept 10 px inside the bottom, y2 at the height
    np.testing.assert_allclose(clip_box([20, 120, 30, 40], 100, 200),
                               [20, 90, 30, 10])


def test_track_maps_the_head_output_back_to_the_frame():
    """A stubbed network output, followed by hand: init (100, 50, 20, 10)
    on a 240 x 320 frame, search factor 4.55 -> crop side
    ceil(sqrt(200) * 4.55) = 65 centred on (110, 55), resize 160 / 65.
    The head says centre (0.6, 0.5) of the crop, size 20 x 10 px in the
    frame: x = 110 - 32.5 + 0.6 * 65 - 10 = 106.5, y = 55 - 32.5 +
    0.5 * 65 - 5 = 50."""
    model = _tiny()
    frame = np.zeros((240, 320, 3), np.uint8)
    model.init(frame, [100, 50, 20, 10])
    seen = {}

    def run(search):
        seen['shape'] = tuple(search.shape)
        rf = 160 / 65
        return torch.tensor([0.6, 0.5, 20 * rf / 160, 10 * rf / 160]), None

    model._run = run
    out = model.track(frame)
    assert seen['shape'] == (1, 3, 160, 160)
    np.testing.assert_allclose(out['bbox'], [106.5, 50, 20, 10], atol=1e-9)
    assert out['score'] == -1.0
    # at the right border the box is clipped to the width (320)
    model.memo.state = np.array([300., 50., 20., 10.])
    out = model.track(frame)
    # side 65 around (310, 55): x = 310 - 32.5 + 39 - 10 = 306.5 -> width
    # min(326.5, 320) - 306.5 = 13.5
    np.testing.assert_allclose(out['bbox'], [306.5, 50, 13.5, 10],
                               atol=1e-9)


def test_online_templates_keep_the_best_of_each_interval():
    """Official update rule with interval 3 and 2 online slots: the best
    crop of frames 1-3 fills the second slot, then the FIFO replaces slot
    0 with the best of 4-6 and slot 1 with the best of 7-9; a tie keeps
    the earlier frame (strictly greater) and the best score is reset at
    each update (frames 4-6 score below frame 2's 0.9)."""
    model = _tiny(update_interval=3, online_size=2, score_threshold=0.5)
    scores = [0.3, 0.9, 0.5, 0.8, 0.2, 0.6, 0.7, 0.7, 0.1]

    def crop(frame, box, factor, size):
        # the crop is tagged with the frame's value, so we see which frame
        # each template came from
        return torch.full((1, 1), float(frame[0, 0, 0])), 1.0

    def run(search):
        return torch.tensor([0.5, 0.5, 20 / 160, 10 / 160]), scores[
            model.memo.frame_id - 1]

    model._crop, model._run = crop, run
    model._refresh_cache = lambda: None
    model.init(np.zeros((240, 320, 3), np.uint8), [100, 50, 20, 10])
    seen = {}
    for k in range(1, 10):
        out = model.track(np.full((240, 320, 3), k, np.uint8))
        np.testing.assert_allclose(out['bbox'], [100, 50, 20, 10])
        seen[k] = model.memo.online.flatten().tolist()
    assert seen[2] == [0.0]           # nothing pushed before frame 3
    assert seen[3] == [0.0, 2.0]      # [template, best of 1-3]
    assert seen[6] == [4.0, 2.0]      # slot 0 <- best of 4-6
    assert seen[9] == [4.0, 7.0]      # slot 1 <- best of 7-9 (tie: 7)


def _tiny(**test_cfg):
    cfg = copy.deepcopy(TINY)
    cfg['test_cfg'].update(test_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def _vot_frames(shared, n):
    folder = osp.join(shared, 'sot', 'vot15_bag', 'imgs')
    frames = [cv2.imread(osp.join(folder, f'{i:08d}.jpg'))[..., ::-1]
              for i in range(1, n + 1)]
    with open(osp.join(shared, 'sot', 'vot15_bag', 'groundtruth.txt')) as f:
        poly = np.array(f.readline().split(','), float)
    xs, ys = poly[0::2], poly[1::2]
    return frames, [xs.min(), ys.min(), xs.max() - xs.min(),
                    ys.max() - ys.min()]


def test_cached_and_uncached_tracking_give_the_same_boxes(shared_data):
    frames, init = _vot_frames(shared_data, 10)
    results = {}
    for use_cache in (True, False):
        model = _tiny(use_cache=use_cache)
        model.init(np.ascontiguousarray(frames[0]), init)
        boxes = []
        for frame in frames[1:]:
            out = model.track(np.ascontiguousarray(frame))
            boxes.append(np.append(out['bbox'], out['score']))
        # templates were updated (interval 3, threshold 0): 2 online slots
        assert model.memo.online.shape[0] == 2
        results[use_cache] = np.array(boxes)
    np.testing.assert_allclose(results[True], results[False], atol=1e-3)


def test_tracking_loop_on_vot_through_tools_test(shared_data, tmp_path):
    """Any weights: the loop runs over the 196 frames and writes the
    official result file (integers, tab separated, first line = GT)."""
    model = _tiny()
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    out = str(tmp_path / 'results')
    result = run_tool([
        'tools/test.py', TINY_CONFIG, ckpt, '--work-dir', str(tmp_path),
        '--cfg-options', 'test_dataloader.dataset.type=VOTDataset',
        f'test_dataloader.dataset.data_root={shared_data}/sot/vot15_bag',
        f'test_evaluator.outfile_prefix={out}'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'sot/success' in result.stdout + result.stderr
    lines = open(osp.join(out, 'vot15_bag.txt')).read().splitlines()
    assert len(lines) == 196
    _, init = _vot_frames(shared_data, 1)
    assert lines[0] == '\t'.join(str(int(v)) for v in init)
    assert all(len(line.split('\t')) == 4 for line in lines)


def test_converter_maps_every_official_key(tmp_path):
    state = fixture_state_dict(FIXTURE, random=True)
    assert len(state) == 748

    class Settings:  # stands for lib.train.admin.settings.Settings
        pass

    Settings.__module__ = 'lib.train.admin.settings'
    Settings.__qualname__ = 'Settings'
    import sys
    import types
    sys.modules.setdefault('lib', types.ModuleType('lib'))
    for name in ('lib.train', 'lib.train.admin', 'lib.train.admin.settings'):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['lib.train.admin.settings'].Settings = Settings
    src = str(tmp_path / 'mixformer_online_22k.pth.tar')
    torch.save({'net': state, 'settings': Settings(), 'epoch': 40}, src)
    dst = str(tmp_path / 'out.pth')
    result = run_tool(['tools/model_converters/mixformer_to_mmdet.py', src,
                       dst])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'dropped 4 unused' in result.stdout
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert len(converted) == 744
    assert torch.equal(converted['box_head.conv5_br.weight'],
                       state['box_head.conv5_br.weight'])
    # a key the model does not have: listed, nothing written
    state['backbone.stage0.blocks.0.attn.extra'] = torch.zeros(1)
    torch.save({'net': state}, src)
    bad = str(tmp_path / 'bad.pth')
    result = run_tool(['tools/model_converters/mixformer_to_mmdet.py', src,
                       bad])
    assert result.returncode == 1 and not osp.exists(bad)
    assert 'backbone.stage0.blocks.0.attn.extra' in result.stderr


def test_demo_tracks_a_video(toy_data, tmp_path):
    model = _tiny()
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    video = osp.join(toy_data, 'video', 'shapes.mp4')
    base = ['demo/sot_demo.py', TINY_CONFIG, ckpt,
            '--video', video]
    out = str(tmp_path / 'tracked.mp4')
    result = run_tool(base + ['--init-bbox', '30,30,20,20', '--out', out],
                      env={'DISPLAY': ''})
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'fps' in result.stdout
    cap = cv2.VideoCapture(out)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    result = run_tool(base, env={'DISPLAY': '', 'WAYLAND_DISPLAY': ''})
    assert result.returncode == 1 and '--init-bbox' in result.stderr
    result = run_tool(base + ['--init-bbox', '1,2,3'], env={'DISPLAY': ''})
    assert result.returncode == 1 and 'x,y,w,h' in result.stderr


def test_video_sampler_keeps_videos_whole(toy_data):
    from mmdet.registry import DATASETS
    from projects.common.datasets.sot import SOTVideoSampler
    dataset = DATASETS.build(dict(type='ToySOTDataset', data_root=toy_data,
                                  test_mode=True))
    shares = [list(SOTVideoSampler(dataset, rank=r, world_size=2))
              for r in range(2)]
    assert sorted(shares[0] + shares[1]) == list(range(len(dataset)))
    for share in shares:
        videos = {dataset.frame_index(i)[0] for i in share}
        for v in videos:  # every video entirely on one process, in order
            frames = [i for i in share if dataset.frame_index(i)[0] == v]
            assert frames == list(dataset.video_frame_range(v))
    assert all(shares)


def test_video_sampler_deals_the_longest_videos_first():
    """Videos of 2, 2 and 6 frames over 2 processes: longest first gives
    loads 6 / 4 (the 6-frame video alone on rank 0); in dataset order the
    loads would be 8 / 2."""
    from projects.common.datasets.sot import SOTVideoSampler

    class Videos:
        starts, lengths = [0, 2, 4], [2, 2, 6]
        num_videos = 3

        def video_frame_range(self, v):
            return range(self.starts[v], self.starts[v] + self.lengths[v])

    shares = [list(SOTVideoSampler(Videos(), rank=r, world_size=2))
              for r in range(2)]
    assert shares == [[4, 5, 6, 7, 8, 9], [0, 1, 2, 3]]
    with pytest.raises(TypeError, match='single-object-tracking dataset'):
        SOTVideoSampler(list(range(3)), rank=0, world_size=1)


def test_two_process_tracking_matches_one_process(toy_data, tmp_path):
    """tools/test.py with 2 CPU processes: whole videos per process, results
    gathered from unequal shares, the same metrics as one process."""
    model = _tiny()
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    root = toy_data.rstrip('/') + '/'
    options = ['--cfg-options', f'test_dataloader.dataset.data_root={root}']
    single = run_tool(['tools/test.py', TINY_CONFIG, ckpt, '--work-dir',
                       str(tmp_path / 'one')] + options)
    assert single.returncode == 0, single.stderr[-3000:]
    double = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node', '2',
                       '--master_port', '29541', 'tools/test.py',
                       TINY_CONFIG, ckpt, '--launcher', 'pytorch',
                       '--work-dir', str(tmp_path / 'two')] + options)
    assert double.returncode == 0, double.stderr[-3000:]

    def metrics(text):
        import re
        return re.findall(r'sot/(\w+): ([\d.]+)', text)

    one = metrics(single.stdout + single.stderr)
    two = metrics(double.stdout + double.stderr)
    assert one and one[-5:] == two[-5:]
