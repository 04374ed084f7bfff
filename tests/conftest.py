"""Pytest fixtures and options; the importable helpers (paths, run_tool,
toy_options, tiny configs) are in :mod:`projects.common.testing`."""
import glob
import os.path as osp

import pytest

from projects.common.testing import (RELATION_TOY_CONFIG, SHARED_DATA,
                                     run_tool, toy_options, train_toy)


def pytest_addoption(parser):
    parser.addoption('--runslow', action='store_true',
                     help='also run tests marked slow')


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: long test, needs --runslow')


def pytest_collection_modifyitems(config, items):
    if config.getoption('--runslow'):
        return
    skip = pytest.mark.skip(reason='slow: run with --runslow (make test-all)')
    for item in items:
        if 'slow' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope='session')
def shared_data():
    """Path of ../shared/data; tests using it skip when it is absent."""
    if not osp.isdir(SHARED_DATA):
        pytest.skip(f'real sample data not found at {SHARED_DATA} '
                    '(../shared/data next to the repository)')
    return SHARED_DATA


@pytest.fixture(scope='session')
def toy_data(tmp_path_factory):
    """A small toy dataset (24 train / 8 val / 8 test images, 12 frames)."""
    out = tmp_path_factory.mktemp('toy')
    result = run_tool([
        'tools/misc/make_toy_data.py', '--out', str(out), '--seed', '3',
        '--num-train', '24', '--num-val', '8', '--num-test', '8',
        '--video-frames', '12'
    ])
    assert result.returncode == 0, result.stderr
    return str(out)


@pytest.fixture(scope='session')
def toy_scanpath_data(tmp_path_factory):
    """OAT's toy shelves, small: 6 shelves, 36 scanpaths."""
    from projects.common.testing import tool_main
    out = str(tmp_path_factory.mktemp('toy_scanpath'))
    main = tool_main('tools/misc/make_toy_scanpaths.py')
    assert main(['--out', out, '--seed', '3', '--num-shelves', '6']) == 0
    return out


@pytest.fixture(scope='session')
def relation_toy_trained(toy_data, tmp_path_factory):
    """The toy Relation-DETR trained by the learning check's short schedule
    (100 iterations of batch 4, lr 1e-3, warm-up 10, validation at the
    end), then its test predictions saved with tools/test.py --out. Shared
    by the learning check and the mmdet analysis-tool tests."""
    work = str(tmp_path_factory.mktemp('relation_toy'))
    ckpt = train_toy(RELATION_TOY_CONFIG, toy_data, work, 100, **{
        'train_dataloader.batch_size': 4,
        'optim_wrapper.optimizer.lr': 1e-3,
        'param_scheduler.0.end': 10,
        'default_hooks.logger.interval': 25,
    })
    preds = osp.join(work, 'preds.pkl')
    result = run_tool(['tools/test.py', RELATION_TOY_CONFIG, ckpt,
                       '--work-dir', work, '--out', preds] +
                      toy_options(toy_data))
    assert result.returncode == 0, result.stderr[-3000:]
    # mmengine's json log of the training run (scalars.json is the
    # visualiser's copy)
    logs = sorted(p for p in glob.glob(osp.join(work, '*', 'vis_data',
                                                '*.json'))
                  if osp.basename(p) != 'scalars.json')
    return dict(work=work, ckpt=ckpt, preds=preds, log=logs[0],
                options=toy_options(toy_data))
