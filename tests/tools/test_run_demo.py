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


@pytest.mark.parametrize('data', ['data/toy', 'elsewhere/toy'])
def test_every_step_reads_the_data_it_was_given(monkeypatch, tmp_path,
                                                data, capsys):
    """--data reaches the data step (written again only when stale), the
    training and the test (every loader and evaluator), the video demo and
    the recall; the default needs no override (the configs read
    data/toy). The steps are recorded here, not run."""
    import sys
    from projects.common.testing import tool_module
    module = tool_module('tools/misc/run_demo.py')
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'last_checkpoint').write_text(str(work / 'iter_1000.pth'))
    steps = {}

    def record(step, args):
        steps[step] = args
        return {'test': 'coco/bbox_mAP: 0.7770\n',
                'video recall': 'toy video: 3 of 4 shapes shown (75%)'
                }.get(step, '')

    monkeypatch.setattr(module, 'run', record)
    monkeypatch.setattr(sys, 'argv', [
        'run_demo.py', '--data', data, '--work-dir', str(work), '--out-dir',
        str(tmp_path / 'out'), '--train-seed', '3'])
    module.main()
    printed = capsys.readouterr().out
    assert 'toy test bbox mAP : 0.777' in printed
    assert '(3 of 4 shapes shown)' in printed
    assert steps['toy data'][-1] == '--skip-current'
    assert steps['toy data'][steps['toy data'].index('--out') + 1] == data
    root = f'{data}/'
    for step in ('train', 'test'):
        args = steps[step]
        options = args[args.index('--cfg-options') + 1:] \
            if '--cfg-options' in args else []
        expected = [] if data == 'data/toy' else [
            f'train_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}',
            f'test_evaluator.ann_file={root}annotations/test.json']
        for option in expected:
            assert option in options, (step, option)
        assert args.count('--cfg-options') <= 1
        if step == 'train':
            assert 'randomness.seed=3' in options
    assert steps['video demo'][1] == f'{data}/video/shapes.mp4'
    assert steps['video recall'][-1] == f'{data}/video'
