"""Pytest fixtures and options; the importable helpers (paths, run_tool,
toy_options, tiny configs) are in :mod:`projects.common.testing`."""
import os.path as osp

import pytest

from projects.common.testing import SHARED_DATA, run_tool


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
