"""Shared fixtures: the repository root, the real samples in ../shared/data
and a small toy dataset generated once per test session."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.normpath(osp.join(ROOT, '..', 'shared', 'data'))
TOY_CONFIG = osp.join(ROOT, 'configs', 'toy',
                      'dino-4scale_r18_1xb8-500i_toy.py')
RELATION_TOY_CONFIG = osp.join(ROOT, 'configs', 'relation_detr',
                               'relation-detr_r18_1xb8-500i_toy.py')


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


def run_tool(args, cwd=ROOT, timeout=900, env=None):
    """Run a repository script with this interpreter; return the result."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


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


def toy_options(data_root, work_dir=None, **extra):
    """--cfg-options that point the toy config at ``data_root`` and shrink
    it for tests."""
    root = data_root.rstrip('/') + '/'
    options = {
        'train_dataloader.dataset.data_root': root,
        'val_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.data_root': root,
        'val_evaluator.ann_file': root + 'annotations/val.json',
        'test_evaluator.ann_file': root + 'annotations/test.json',
    }
    options.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
