"""The embedded default end to end (slow: ~10 minutes on 2 cores): toy data,
training, COCO mAP >= 0.5 and an annotated video."""
import os.path as osp
import re

import cv2
import pytest

from projects.common.testing import run_tool


@pytest.mark.slow
def test_make_demo_reaches_map(tmp_path):
    result = run_tool(['tools/misc/run_demo.py', '--data',
                       str(tmp_path / 'toy'), '--work-dir',
                       str(tmp_path / 'work'), '--out-dir',
                       str(tmp_path / 'out')], timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:]
    mean_ap = float(re.search(r'toy test bbox mAP : ([0-9.]+)',
                              result.stdout).group(1))
    assert mean_ap >= 0.5
    video = str(tmp_path / 'out' / 'shapes_annotated.mp4')
    assert osp.isfile(video)
    capture = cv2.VideoCapture(video)
    assert capture.read()[0]
