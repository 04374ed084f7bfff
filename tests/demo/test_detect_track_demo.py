"""demo/detect_track_demo.py with a tiny random detector and a tiny random
MixFormer: on the toy video and on the real traffic clip."""
import json
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config

import projects.common  # noqa: F401
from mmdet.registry import MODELS
from mmdet.utils import register_all_modules
from projects.common.testing import (MIXFORMER_TOY_CONFIG, TOY_CONFIG,
                                     save_random_toy_detector, tool_main)
from projects.common.utils import UserInputError


@pytest.fixture(scope='module')
def random_models(tmp_path_factory):
    register_all_modules()
    import projects.mixformer  # noqa: F401
    folder = tmp_path_factory.mktemp('detect_track')
    det_ckpt = save_random_toy_detector(str(folder / 'det.pth'))
    torch.manual_seed(0)
    sot = MODELS.build(Config.fromfile(MIXFORMER_TOY_CONFIG).model)
    sot.init_weights()
    sot_ckpt = str(folder / 'sot.pth')
    torch.save(dict(state_dict=sot.state_dict()), sot_ckpt)
    return det_ckpt, sot_ckpt


def _frames(path):
    capture = cv2.VideoCapture(path)
    count = 0
    while capture.read()[0]:
        count += 1
    return count


def test_toy_video_detects_tracks_and_reacquires(toy_data, random_models,
                                                 tmp_path):
    """A tracker score never reaches the impossible --lost-score 2, so
    every third tracked frame the detector is asked again."""
    det_ckpt, sot_ckpt = random_models
    out, js = str(tmp_path / 'out.mp4'), str(tmp_path / 'frames.json')
    main = tool_main('demo/detect_track_demo.py')
    main([osp.join(toy_data, 'video', 'shapes.mp4'), TOY_CONFIG, det_ckpt,
          MIXFORMER_TOY_CONFIG, sot_ckpt, '--target-class', 'circle',
          '--score-thr', '0', '--lost-score', '2', '--lost-frames', '3',
          '--out', out, '--json', js])
    frames = json.loads(open(js).read())
    assert [f['frame'] for f in frames] == list(range(12))
    assert frames[0]['source'] == 'detector'
    sources = [f['source'] for f in frames]
    assert sources[1:4] == ['tracker', 'tracker', 'redetect']
    assert all(len(f['box']) == 4 for f in frames)
    assert _frames(out) == 12
    with pytest.raises(UserInputError, match='not a class'):
        main([osp.join(toy_data, 'video', 'shapes.mp4'), TOY_CONFIG,
              det_ckpt, MIXFORMER_TOY_CONFIG, sot_ckpt, '--target-class',
              'zebra', '--out', out])


def test_real_traffic_clip_from_a_given_box(shared_data, random_models,
                                            tmp_path):
    det_ckpt, sot_ckpt = random_models
    video = osp.join(shared_data, 'video', 'traffic_h264.mp4')
    out, js = str(tmp_path / 'traffic.mp4'), str(tmp_path / 'traffic.json')
    tool_main('demo/detect_track_demo.py')([
        video, TOY_CONFIG, det_ckpt, MIXFORMER_TOY_CONFIG, sot_ckpt,
        '--init-bbox', '600,350,80,60', '--lost-frames', '100',
        '--max-frames', '8', '--out', out, '--json', js])
    frames = json.loads(open(js).read())
    assert len(frames) == 8 and frames[0]['source'] == 'init'
    assert frames[0]['box'] == [600.0, 350.0, 80.0, 60.0]
    assert {f['source'] for f in frames[1:]} == {'tracker'}
    assert _frames(out) == 8
