"""tools/analysis_tools/toy_video_recall.py: the shapes of the toy video a
detector shows, counted against the video's per-frame ground truth."""
import json
import os.path as osp
import re
import shutil

import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from projects.common.testing import run_tool, run_tool_in_process

CLASSES = ['circle', 'square', 'triangle']


def _result(boxes, labels, scores):
    sample = DetDataSample()
    sample.pred_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long),
        scores=torch.tensor(scores))
    return sample


def test_frame_recall_counts_class_iou_and_score():
    from tools.analysis_tools.toy_video_recall import frame_recall
    objects = [dict(category='circle', bbox=[10, 10, 20, 20]),
               dict(category='square', bbox=[50, 50, 20, 20]),
               dict(category='triangle', bbox=[80, 10, 20, 20])]
    result = _result(
        [[10, 10, 30, 30],   # the circle, right class
         [50, 50, 70, 70],   # on the square, wrong class -> false
         [80, 10, 100, 30],  # the triangle, score below the threshold
         [0, 90, 10, 100],   # nothing there -> false
         [11, 10, 31, 30]],  # the circle again -> duplicate
        [0, 0, 2, 1, 0], [0.9, 0.8, 0.2, 0.5, 0.4])
    assert frame_recall(result, objects, CLASSES, 0.3, 0.5) == (1, 2, 2, 1)
    assert frame_recall(result, objects, CLASSES, 0.1, 0.5) == (2, 1, 2, 1)
    assert frame_recall(result, objects, CLASSES, 0.45, 0.5) == (1, 2, 2, 0)
    assert frame_recall(_result([], [], []), objects, CLASSES, 0.3,
                        0.5) == (0, 3, 0, 0)


def test_counts_every_shape_of_the_video(relation_toy_trained, toy_data):
    result = run_tool([
        'tools/analysis_tools/toy_video_recall.py',
        'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py',
        relation_toy_trained['ckpt'], '--video-dir',
        osp.join(toy_data, 'video'), '--score-thr', '0.0'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(osp.join(toy_data, 'video', 'shapes.json')) as f:
        truth = json.load(f)
    total = sum(len(frame['objects']) for frame in truth['frames'])
    shown, counted = map(int, re.search(r'toy video: (\d+) of (\d+) shapes',
                                        result.stdout).groups())
    assert counted == total and 0 <= shown <= total
    assert re.search(r'\d+ false detections and \d+ duplicates drawn',
                     result.stdout)


def test_missing_ground_truth_is_a_clear_error(tmp_path, toy_data):
    video_dir = tmp_path / 'video'
    shutil.copytree(osp.join(toy_data, 'video'), video_dir)
    (video_dir / 'shapes.json').unlink()
    result = run_tool_in_process([
        'tools/analysis_tools/toy_video_recall.py', 'unused.py', 'unused.pth',
        '--video-dir', str(video_dir)])
    assert result.returncode == 1
    assert 'shapes.json not found' in result.stderr
    assert 'make_toy_data.py' in result.stderr
