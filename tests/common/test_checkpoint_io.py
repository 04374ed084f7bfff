"""Reading checkpoints of other code bases (projects/common/utils/
checkpoint_io.py): the restricted unpickler stubs the named modules'
classes, refuses every other global without running it, and errors name
the file."""
import collections
import os
import pickle
import sys
import types

import pytest
import torch

from projects.common.utils import load_foreign_checkpoint


class _Evil:
    """Unpickling this would create a file (a stand-in for any command)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class _Settings:
    """Stands for the official trainers' pickled settings object."""

    def __init__(self):
        self.lr = 1e-4


def _lib_module():
    """A throw-away ``lib.train.admin.settings`` so that torch.save can
    pickle :class:`_Settings` under the official module name."""
    _Settings.__module__ = 'lib.train.admin.settings'
    _Settings.__qualname__ = 'Settings'
    for name in ('lib', 'lib.train', 'lib.train.admin',
                 'lib.train.admin.settings'):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['lib.train.admin.settings'].Settings = _Settings


def test_stubbed_prefix_loads_the_weights(tmp_path):
    _lib_module()
    path = str(tmp_path / 'official.pth.tar')
    torch.save({'net': {'w': torch.arange(3.)}, 'settings': _Settings()},
               path)
    # the real module is not importable where the converter runs
    for name in [n for n in sys.modules if n == 'lib' or
                 n.startswith('lib.')]:
        del sys.modules[name]
    state = load_foreign_checkpoint(path, stub_prefixes=('lib.', ))
    assert list(state) == ['w'] and torch.equal(state['w'], torch.arange(3.))
    assert 'lib' not in sys.modules  # stubbed, never imported


def test_other_globals_are_refused_and_never_run(tmp_path):
    _lib_module()
    marker = tmp_path / 'ran'
    path = str(tmp_path / 'evil.pth.tar')
    # a stubbed global first (so the restricted path is taken), then a
    # payload that would run a command
    torch.save({'net': {'w': torch.ones(1)}, 'settings': _Settings(),
                'payload': _Evil(marker)}, path)
    with pytest.raises(ValueError,
                       match=r'evil\.pth\.tar: .*(posix|os)\.system'):
        load_foreign_checkpoint(path, stub_prefixes=('lib.', ))
    assert not marker.exists()


def test_unreadable_file_under_a_lib_folder_names_the_file(tmp_path):
    folder = tmp_path / 'lib' / 'checkpoints'
    folder.mkdir(parents=True)
    path = folder / 'broken.pth'
    path.write_bytes(b'not a checkpoint at all')
    with pytest.raises(ValueError, match=r'broken\.pth: cannot be read'):
        load_foreign_checkpoint(str(path), stub_prefixes=('lib.', ))


def test_plain_pickle_of_another_global_names_the_file(tmp_path):
    path = tmp_path / 'other.pth'
    with open(path, 'wb') as f:
        pickle.dump({'net': {'w': 1}, 'x': collections.Counter()}, f)
    with pytest.raises(ValueError, match=r'other\.pth'):
        load_foreign_checkpoint(str(path), stub_prefixes=('lib.', ))
