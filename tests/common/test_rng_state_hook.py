"""RNGStateHook: the torch/python RNG continue after a resume."""
import random
from types import SimpleNamespace

import torch

from projects.common.engine import RNGStateHook


def _runner(world_size=1):
    return SimpleNamespace(_resume=True, world_size=world_size,
                           logger=SimpleNamespace(info=lambda msg: None))


def test_states_restored_before_the_first_resumed_iteration():
    hook = RNGStateHook()
    checkpoint = {}
    torch.manual_seed(3)
    random.seed(3)
    hook.before_save_checkpoint(_runner(), checkpoint)
    expected = (torch.rand(4), random.random())
    torch.manual_seed(99)  # what a fresh run would do
    random.seed(99)
    hook.after_load_checkpoint(_runner(), checkpoint)
    hook.before_train_iter(_runner(), 0)
    got = (torch.rand(4), random.random())
    assert torch.equal(got[0], expected[0]) and got[1] == expected[1]
    # only once: later iterations draw on
    hook.before_train_iter(_runner(), 1)
    assert not torch.equal(torch.rand(4), expected[0])


def test_distributed_and_fine_tuning_runs_are_left_alone():
    hook = RNGStateHook()
    checkpoint = {}
    hook.before_save_checkpoint(_runner(), checkpoint)
    hook.after_load_checkpoint(_runner(world_size=2), checkpoint)
    assert hook._pending is None
    hook.after_load_checkpoint(SimpleNamespace(_resume=False), checkpoint)
    assert hook._pending is None
