"""Paths, the toy data set-up and small model configs the tests share
(importable, as mmdet's ``mmdet.testing``; pytest fixtures stay in
``tests/conftest.py``)."""
import os
import os.path as osp
import subprocess
import sys

#: the repository root (this package is installed in editable mode)
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
#: the real sample data next to the repository (see its README)
SHARED_DATA = osp.normpath(osp.join(ROOT, '..', 'shared', 'data'))
#: the 256-d DINO toy config
TOY_CONFIG = osp.join(ROOT, 'configs', 'toy',
                      'dino-4scale_r18_1xb8-500i_toy.py')
#: the toy config of ``make demo``
RELATION_TOY_CONFIG = osp.join(ROOT, 'configs', 'relation_detr',
                               'relation-detr_r18_1xb4-1000i_toy.py')
#: the toy MixFormer config (trained on the toy video)
MIXFORMER_TOY_CONFIG = osp.join(ROOT, 'configs', 'mixformer',
                                'mixformer_cvt-tiny_1xb8-1000i_toy.py')
#: helper scripts and configs of the tests (not tests themselves)
HELPERS = osp.join(ROOT, 'tests', 'helpers')

#: a miniature MixFormer (16/32/64 channels, 64 / 160 px crops)
MIXFORMER_TINY = dict(
    type='MixFormer',
    backbone=dict(
        type='MixFormerBackbone',
        arch=dict(embed_dims=[16, 32, 64], depths=[1, 1, 2],
                  num_heads=[1, 1, 2])),
    head=dict(type='MixFormerCornerHead', in_channels=64, channels=32,
              feat_size=10),
    score_head=dict(type='MixFormerScoreDecoder', hidden_dim=64,
                    num_heads=2),
    test_cfg=dict(template_size=64, search_size=160, update_interval=3,
                  online_size=2, score_threshold=0.0))


def fixture_state_dict(path, random=False, seed=0):
    """A state dict with the key names and shapes of a fixture file (lines
    ``key d0,d1,...`` written down from an official model): uninitialised
    tensors, or seeded random ones with ``random=True``."""
    import torch
    state = {}
    generator = torch.Generator().manual_seed(seed)
    with open(path) as f:
        for line in f:
            key, shape = line.split()
            dims = [int(d) for d in shape.split(',')]
            state[key] = (torch.randn(dims, generator=generator) if random
                          else torch.empty(dims))
    return state


def tool_module(path):
    """A repository script (``path`` relative to the repository) loaded as
    a module in this process, to test its functions."""
    import importlib.util
    path = os.path.join(ROOT, path)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tool_main(path):
    """The ``main(argv)`` of a repository script, loaded in this process
    (for the error cases of a tool whose success is checked by
    :func:`run_tool`: no interpreter start-up per case)."""
    return tool_module(path).main


def run_tool(args, cwd=ROOT, timeout=900, env=None):
    """Run a repository script with this interpreter; return the result
    (``subprocess.CompletedProcess`` with text stdout / stderr)."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def run_tool_in_process(args):
    """:func:`run_tool` for a light tool (a converter), in this process:
    the script's ``main`` under :func:`projects.common.utils.run_cli` with
    ``sys.argv`` set (an int it returns is the exit code, as with
    ``sys.exit(main())``), stdout / stderr captured; returns an object with
    ``returncode``, ``stdout`` and ``stderr`` as ``run_tool`` does, without
    the interpreter start-up and the torch / mmdet imports of a new
    process. Paths in ``args`` must not depend on the working folder."""
    import contextlib
    import io
    import types

    from projects.common.utils import run_cli
    script, argv = args[0], list(args[1:])
    main = tool_main(script)
    out, err = io.StringIO(), io.StringIO()
    returned, saved = [], sys.argv
    sys.argv = [script] + argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run_cli(lambda: returned.append(main()))
                code = returned[0] if isinstance(returned[0], int) else 0
            except SystemExit as exit_info:
                code = exit_info.code
                if isinstance(code, str):  # sys.exit(message)
                    err.write(code + '\n')
                    code = 1
                code = code or 0
    finally:
        sys.argv = saved
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(),
                                 stderr=err.getvalue())


def toy_options(data_root, work_dir=None, **extra):
    """``--cfg-options`` that point a toy config at ``data_root`` (written
    by tools/misc/make_toy_data.py), plus ``extra`` overrides."""
    from projects.common.utils import data_root_options
    options = data_root_options(data_root)
    options.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def train_toy(config, data_root, work_dir, iters, dataset_options=None,
              **extra):
    """Train ``config`` on the toy data for ``iters`` iterations (batch 2,
    validation at the end) through tools/train.py; returns the path of the
    final checkpoint. ``dataset_options`` replace the detection data-root
    options of :func:`toy_options` (configs laid out otherwise, such as
    the SOT ones); ``extra`` are more ``--cfg-options``."""
    options = {
        'train_cfg.max_iters': iters,
        'train_cfg.val_interval': iters,
        'train_dataloader.batch_size': 2,
    }
    options.update(extra)
    if dataset_options is None:
        cfg_options = toy_options(data_root, **options)
    else:
        options.update(dataset_options)
        cfg_options = ['--cfg-options'] + [f'{k}={v}'
                                           for k, v in options.items()]
    result = run_tool(['tools/train.py', config, '--work-dir', work_dir] +
                      cfg_options)
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoint = osp.join(work_dir, f'iter_{iters}.pth')
    assert osp.isfile(checkpoint), f'{checkpoint} was not written'
    return checkpoint


def train_and_test_toy(config, data_root, tmp_path, iters=2):
    """Train ``config`` on the toy data through tools/train.py (one log line
    per iteration), test it through tools/test.py with ``--out``, check
    that the test printed COCO's bbox mAP and wrote its predictions;
    returns the training log's text (for the method's own loss names)."""
    import glob
    work = str(tmp_path / 'work')
    checkpoint = train_toy(config, data_root, work, iters,
                           **{'default_hooks.logger.interval': 1})
    out = str(tmp_path / 'preds.pkl')
    result = run_tool(['tools/test.py', config, checkpoint, '--work-dir',
                       work, '--out', out] + toy_options(data_root))
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'coco/bbox_mAP:' in result.stdout + result.stderr
    assert osp.getsize(out) > 0
    train_log = sorted(glob.glob(osp.join(work, '*', '*.log')))[0]
    with open(train_log) as f:
        return f.read()
