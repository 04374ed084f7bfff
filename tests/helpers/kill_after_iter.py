"""Run tools/train.py with ``KillAfterIterHook`` registered.

Used by test_train_resume.py to interrupt a run for real (SIGKILL, no clean
shutdown) right after a checkpoint: its config adds
``dict(type='KillAfterIterHook', iters=N)`` to ``custom_hooks``.
Usage: python kill_after_iter.py <tools/train.py args>.
"""
import os
import os.path as osp
import runpy
import signal
import sys

from mmengine.hooks import Hook

from mmdet.registry import HOOKS


@HOOKS.register_module()
class KillAfterIterHook(Hook):
    """Kill the process after the checkpoint of iteration ``iters``."""

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW) has saved

    def __init__(self, iters: int) -> None:
        self.iters = iters

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 >= self.iters:
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == '__main__':
    train_py = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                        'train.py')
    sys.argv = [train_py] + sys.argv[1:]
    runpy.run_path(train_py, run_name='__main__')
