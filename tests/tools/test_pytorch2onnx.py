"""ONNX export (tools/deployment/pytorch2onnx.py,
projects/common/deployment): the exported graph computes what the
detector's predict computes, onnxruntime agrees with PyTorch, and bad input
stops with one line and writes nothing."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from projects.common.testing import (ROOT, SHARED_DATA, tool_main,
                                     toy_detector)
from projects.common.utils import run_cli

onnx = pytest.importorskip(
    'onnxruntime', reason='the deploy extras are not installed (pip '
    'install -e .[deploy] -c requirements.txt)')

from projects.common.deployment import (  # noqa: E402
    ExportableDetector, compare_detections, custom_operators, export_onnx,
    image_sample, ort_session)

CONFIGS = {
    'dino': 'configs/toy/dino-4scale_r18_1xb8-500i_toy.py',
    'relation_detr': 'configs/relation_detr/relation-detr_r18_1xb4-1000i_toy.py',
    'plain_detr': 'configs/plain_detr/plain-detr_r18_1xb8-500i_toy.py',
    'plain_detr_reparam':
    'configs/plain_detr/plain-detr-reparam_r18_1xb8-500i_toy.py',
    'focus_detr': 'configs/focus_detr/focus-detr_r18_1xb8-500i_toy.py',
    'retinanet_biformer':
    'configs/biformer/retinanet_biformer-mini_fpn_1xb8-500i_toy.py',
    'retinanet_ela': 'configs/ela/retinanet_r18-ela-b_fpn_1xb8-500i_toy.py',
}


def _model(name):
    """The toy model with random weights; dense heads get spread scores
    (a fresh RetinaNet scores every anchor ~0.01, below its threshold, and
    in near ties) and a lower threshold, so that there is something to
    compare."""
    model = toy_detector(osp.join(ROOT, CONFIGS[name])).eval()
    if name.startswith('retinanet'):
        generator = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for param_name, param in model.bbox_head.named_parameters():
                if param_name.startswith(('retina_cls', 'retina_reg')):
                    param.add_(torch.randn(param.shape, generator=generator)
                               * (0.5 if 'bias' in param_name else 0.05))
        model.bbox_head.test_cfg.score_thr = 0.001
    return model


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_export_wrapper_computes_what_predict_computes(name):
    model = _model(name)
    inputs = torch.randn(1, 3, 96, 128, generator=torch.Generator()
                         .manual_seed(1))
    with torch.no_grad():
        boxes, scores, labels = ExportableDetector(model)(inputs)
        expected = model.predict(inputs, [image_sample(96, 128)],
                                 rescale=False)[0].pred_instances
    assert len(scores) > 0
    torch.testing.assert_close(scores, expected.scores, rtol=0, atol=1e-6)
    torch.testing.assert_close(labels, expected.labels)
    torch.testing.assert_close(boxes, expected.bboxes, rtol=0, atol=1e-4)
    assert boxes[:, 0::2].max() <= 128 and boxes[:, 1::2].max() <= 96
    assert boxes.min() >= 0


def test_onnxruntime_agrees_with_pytorch_on_a_dense_head(tmp_path):
    """RetinaNet's exported NMS and box decoding (the DETRs: through the
    tool below)."""
    model = _model('retinanet_ela')
    wrapper = ExportableDetector(model).eval()
    inputs = torch.randn(1, 3, 96, 128, generator=torch.Generator()
                         .manual_seed(2))
    path = str(tmp_path / 'model.onnx')
    export_onnx(wrapper, inputs, path)
    assert custom_operators(path) == []
    got = ort_session(path).run(None, {'input': inputs.numpy()})
    with torch.no_grad():
        expected = [t.numpy() for t in wrapper(inputs)]
    agreement = compare_detections(expected, got, 1e-4, 0.05)
    assert agreement.ok(1e-4, 0.05), agreement.summary()
    assert agreement.matched + agreement.tied_unmatched == len(expected[1])
    assert agreement.max_box_diff < 1e-3


@pytest.mark.parametrize(
    'name', ['dino', 'relation_detr', 'focus_detr', 'plain_detr'])
def test_onnxruntime_agrees_with_pytorch_on_detrs_with_moving_boxes(
        name, tmp_path):
    """Box and class heads perturbed, so that every decoder layer moves the
    boxes (fresh box heads predict zero deltas, which hid a Relation-DETR
    graph whose position relation lost its writes into views)."""
    model = _model(name)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for param_name, param in model.bbox_head.named_parameters():
            if param_name.startswith(('cls_branches', 'reg_branches')):
                param.add_(torch.randn(param.shape, generator=generator)
                           * 0.05)
    wrapper = ExportableDetector(model).eval()
    inputs = torch.randn(1, 3, 96, 128, generator=torch.Generator()
                         .manual_seed(3))
    path = str(tmp_path / 'model.onnx')
    export_onnx(wrapper, inputs, path)
    got = ort_session(path).run(None, {'input': inputs.numpy()})
    with torch.no_grad():
        expected = [t.numpy() for t in wrapper(inputs)]
    agreement = compare_detections(expected, got, 1e-4, 0.05)
    assert agreement.ok(1e-4, 0.05), agreement.summary()
    assert agreement.max_box_diff < 1e-3


def test_compare_detections_ignores_order_and_counts_misses():
    boxes = np.array([[0, 0, 10, 10], [5, 5, 20, 20], [1, 1, 4, 4]],
                     np.float32)
    scores = np.array([0.9, 0.5, 0.3], np.float32)
    labels = np.array([0, 1, 0])
    order = [2, 0, 1]
    same = compare_detections((boxes, scores, labels),
                              (boxes[order], scores[order] + 1e-7,
                               labels[order]), 1e-4, 0.05)
    assert same.ok(1e-4, 0.05) and same.matched == 3
    moved = boxes.copy()
    moved[1] += 1.0
    off = compare_detections((boxes, scores, labels),
                             (moved, scores, labels), 1e-4, 0.05)
    assert not off.ok(1e-4, 0.05) and off.unmatched == 1
    # two tied scores: which one NMS keeps may differ between runtimes
    tied = scores.copy()
    tied[2] = tied[1]
    swap = compare_detections((boxes, tied, labels),
                              (boxes[[0, 2]], tied[[0, 2]], labels[[0, 2]]),
                              1e-4, 0.05)
    assert swap.tied_unmatched == 1 and swap.unmatched == 0
    assert not swap.ok(1e-4, 0.05)  # the counts still differ


def _cli(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, 'argv', ['tools/deployment/pytorch2onnx.py'] +
                        argv)
    main = tool_main('tools/deployment/pytorch2onnx.py')
    code = 0
    try:
        run_cli(main)
    except SystemExit as error:
        code = error.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(scope='module')
def relation_checkpoint(tmp_path_factory):
    from projects.common.testing import save_random_toy_detector
    path = str(tmp_path_factory.mktemp('onnx') / 'relation.pth')
    return save_random_toy_detector(path, config=osp.join(
        ROOT, CONFIGS['relation_detr']))


def test_cli_exports_simplifies_checks_and_times(relation_checkpoint,
                                                 tmp_path, monkeypatch,
                                                 capsys):
    out = str(tmp_path / 'relation.onnx')
    image = osp.join(SHARED_DATA, 'coco', 'tinycoco', 'train2017',
                     '000000006818.jpg')
    argv = [CONFIGS['relation_detr'], relation_checkpoint, '--out', out,
            '--shape', '96', '128', '--simplify', '--benchmark', '1']
    if osp.isfile(image):
        argv += ['--image', image]
    code, text = _cli(argv, monkeypatch, capsys)
    assert code == 0, text
    # every query of the toy config's max_per_img (30) is a detection
    assert 'check 96x128: 30 PyTorch / 30 onnxruntime' in text
    assert '-> OK' in text and 'ratio onnxruntime / eager' in text
    assert osp.isfile(out) and f'wrote {out}' in text
    assert custom_operators(out) == []


def test_cli_writes_nothing_when_the_graph_disagrees(relation_checkpoint,
                                                     tmp_path, monkeypatch,
                                                     capsys):
    out = tmp_path / 'relation.onnx'
    code, text = _cli([CONFIGS['relation_detr'], relation_checkpoint,
                       '--out', str(out), '--shape', '96', '128',
                       '--box-atol', '-1'], monkeypatch, capsys)
    assert code == 1 and '-> FAILED' in text
    assert f'nothing written to {out}' in text
    assert list(tmp_path.iterdir()) == []  # no partial or temporary file


def test_cli_errors_name_the_fix(relation_checkpoint, tmp_path, monkeypatch,
                                 capsys):
    config = CONFIGS['relation_detr']
    code, text = _cli([config, str(tmp_path / 'none.pth'), '--out',
                       str(tmp_path / 'a.onnx')], monkeypatch, capsys)
    assert code == 1 and 'none.pth: no such file' in text
    code, text = _cli([config, relation_checkpoint, '--out',
                       str(tmp_path / 'a.bin')], monkeypatch, capsys)
    assert code == 1 and 'name the file *.onnx' in text
    code, text = _cli([config, relation_checkpoint, '--out',
                       str(tmp_path / 'a.onnx'), '--shape', '100', '130'],
                      monkeypatch, capsys)
    assert code == 1 and 'Fix: use multiples of 32' in text
    assert list(tmp_path.iterdir()) == []
