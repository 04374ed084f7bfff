"""Config mistakes stop the tools with one line: the key path, the word
and the closest valid one (projects/common/utils/config_errors.py)."""
import sys

import pytest

from projects.common.testing import TOY_CONFIG, tool_main, toy_options
from projects.common.utils import run_cli
from projects.common.utils.config_errors import (_CONFIGS,
                                                 accepted_arguments,
                                                 explain_config_error)


def _config(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(f"_base_ = '{TOY_CONFIG}'\n{body}\n")
    return str(path)


def _run(script, argv, monkeypatch, capsys):
    """``run_cli(main)`` of a repository script with ``argv``; returns
    (exit code, stderr)."""
    monkeypatch.setattr(sys, 'argv', [script] + argv)
    _CONFIGS.clear()
    main = tool_main(script)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(main)
    _CONFIGS.clear()
    return exit_info.value.code, capsys.readouterr().err


def test_train_names_an_unknown_argument_and_the_closest(
        tmp_path, monkeypatch, capsys, toy_data):
    cfg = _config(tmp_path, 'bad_arg.py',
                  "model = dict(bbox_head=dict(num_clases=3))")
    code, err = _run('tools/train.py', [cfg, '--work-dir',
                                        str(tmp_path / 'w')] +
                     toy_options(toy_data), monkeypatch, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith(f'error: {cfg}: model.bbox_head.num_clases:')
    assert "unknown argument 'num_clases' of DINOHead" in lines[0]
    assert "did you mean 'num_classes'?" in lines[0]


def test_test_and_demo_name_an_unknown_type(tmp_path, monkeypatch, capsys,
                                            toy_data):
    cfg = _config(tmp_path, 'bad_type.py',
                  "model = dict(backbone=dict(type='ResNett'))")
    ckpt = tmp_path / 'none.pth'
    ckpt.write_bytes(b'')
    code, err = _run('tools/test.py', [cfg, str(ckpt), '--work-dir',
                                       str(tmp_path / 'w')] +
                     toy_options(toy_data), monkeypatch, capsys)
    assert code == 1
    assert ("model.backbone.type: unknown type 'ResNett' (not in the mmdet "
            "model registry); did you mean 'ResNet'?") in err
    import cv2
    import numpy as np
    image = str(tmp_path / 'a.png')
    cv2.imwrite(image, np.zeros((32, 32, 3), np.uint8))
    code, err = _run('demo/image_demo.py', [image, cfg, str(ckpt)],
                     monkeypatch, capsys)
    assert code == 1 and "did you mean 'ResNet'?" in err, err


def test_pipeline_type_and_debug_keeps_the_traceback(tmp_path, monkeypatch,
                                                     capsys, toy_data):
    cfg = _config(
        tmp_path, 'bad_transform.py',
        "train_dataloader = dict(dataset=dict(pipeline=["
        "dict(type='LoadImageFromFile'), dict(type='RandomFlipp')]))\n"
        "train_cfg = dict(max_iters=1)")
    # the pipeline error comes when the training data is built, after the
    # dataset paths are checked: point the config at the session toy data
    opts = toy_options(toy_data)
    code, err = _run('tools/train.py', [cfg, '--work-dir',
                                        str(tmp_path / 'w')] + opts,
                     monkeypatch, capsys)
    assert code == 1
    assert ('train_dataloader.dataset.pipeline[1].type: unknown type '
            "'RandomFlipp'") in err and "did you mean 'RandomFlip'?" in err
    monkeypatch.setattr(sys, 'argv', ['tools/train.py', cfg, '--debug'] +
                        opts)
    with pytest.raises(KeyError, match='RandomFlipp is not in'):
        run_cli(tool_main('tools/train.py'))


def test_other_errors_are_left_alone():
    assert explain_config_error(KeyError('img_path')) is None
    assert explain_config_error(TypeError('unsupported operand')) is None


def test_accepted_arguments_follow_forwarded_kwargs():
    from mmdet.models.dense_heads import RetinaHead
    names = accepted_arguments(RetinaHead)
    # RetinaHead's own, then AnchorHead's through **kwargs
    assert {'stacked_convs', 'anchor_generator', 'num_classes',
            'bbox_coder', 'loss_cls'} <= set(names)
