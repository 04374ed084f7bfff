"""Video, webcam and image demos with a tiny random model."""
import os
import os.path as osp

import cv2
import pytest

import projects.common  # noqa: F401
from projects.common.testing import (TOY_CONFIG, run_tool,
                                     save_random_toy_detector)


@pytest.fixture(scope='module')
def random_checkpoint(tmp_path_factory):
    """The toy DINO with random weights, saved as tools/train.py would."""
    return save_random_toy_detector(
        str(tmp_path_factory.mktemp('ckpt') / 'random.pth'))


def _frames(path):
    capture = cv2.VideoCapture(path)
    count, size = 0, None
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        count, size = count + 1, frame.shape[:2]
    return count, size


def test_video_demo_on_real_traffic_clip(shared_data, random_checkpoint,
                                         tmp_path):
    video = osp.join(shared_data, 'video', 'traffic_h264.mp4')
    out = str(tmp_path / 'traffic_annotated.mp4')
    result = run_tool(['demo/video_demo.py', video, TOY_CONFIG,
                       random_checkpoint, '--out', out, '--score-thr', '0.0'])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'fps end to end' in result.stdout
    assert _frames(out) == (67, (720, 1280))


def test_video_demo_on_toy_video(toy_data, random_checkpoint, tmp_path):
    out = str(tmp_path / 'shapes.mp4')
    result = run_tool(['demo/video_demo.py',
                       osp.join(toy_data, 'video', 'shapes.mp4'), TOY_CONFIG,
                       random_checkpoint, '--out', out])
    assert result.returncode == 0, result.stderr[-3000:]
    assert _frames(out)[0] == 12


@pytest.mark.parametrize('content,needle', [
    (None, 'does not exist'),
    (b'this is not a video' * 100, 'Video'),
])
def test_unreadable_video_is_a_clear_error(random_checkpoint, tmp_path,
                                           content, needle):
    video = tmp_path / 'broken.mp4'
    if content is not None:
        video.write_bytes(content)
    result = run_tool(['demo/video_demo.py', str(video), TOY_CONFIG,
                       random_checkpoint, '--out', str(tmp_path / 'o.mp4')])
    assert result.returncode == 1
    assert 'error: ' in result.stderr and str(video) in result.stderr
    assert needle in result.stderr


def test_webcam_demo_without_camera(random_checkpoint, tmp_path):
    result = run_tool(['demo/webcam_demo.py', TOY_CONFIG, random_checkpoint,
                       '--camera-id', '57', '--no-show', '--out',
                       str(tmp_path / 'cam.mp4')])
    assert result.returncode == 1
    assert 'Camera 57 cannot be opened' in result.stderr


def test_image_demo_folder_with_a_corrupt_image(toy_data, random_checkpoint,
                                                tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    for name in ('00000.png', '00001.png'):
        data = open(osp.join(toy_data, 'test', name), 'rb').read()
        (folder / name).write_bytes(data)
    (folder / 'cut.png').write_bytes(data[:len(data) // 3])
    out_dir = tmp_path / 'drawn'
    result = run_tool(['demo/image_demo.py', str(folder), TOY_CONFIG,
                       random_checkpoint, '--out-dir', str(out_dir)])
    assert result.returncode == 1  # one image failed
    assert 'cut.png' in result.stderr and 'truncated' in result.stderr
    assert sorted(os.listdir(out_dir)) == ['00000.png', '00001.png']
    drawn = cv2.imread(str(out_dir / '00000.png'))
    assert drawn.shape == (128, 128, 3)
    # a glob works too
    result = run_tool(['demo/image_demo.py', str(folder / '0000*.png'),
                       TOY_CONFIG, random_checkpoint, '--out-dir',
                       str(tmp_path / 'glob')])
    assert result.returncode == 0, result.stderr[-2000:]
    assert '2 of 2 images drawn' in result.stdout
