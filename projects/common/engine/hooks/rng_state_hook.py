"""Save and restore torch's random state so that a resumed run continues
exactly where the interrupted one stopped."""
import random
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmdet.registry import HOOKS


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Store the torch (CPU and CUDA) and python RNG states in checkpoints.

    mmengine re-seeds every run at start-up, so after ``--resume`` the random
    ops inside the model (denoising queries, dropout, random sampling) draw
    numbers an uninterrupted run would not have drawn. This hook writes the
    states into each checkpoint and puts them back just before the first
    iteration after resuming, after the dataloader has been fast-forwarded.

    Numpy's state is left alone on purpose: mmengine replays the skipped
    batches through the data pipeline, which advances numpy's generator (used
    by the transforms) exactly as the interrupted run did.

    Only single-process runs are restored: mmengine saves checkpoints from
    rank 0 alone, so the other ranks' states are not in the file; a
    distributed run resumes with mmengine's fresh seeds, as without this
    hook. Validation that runs after a checkpoint may also draw from the
    generator; runs that validate between checkpoints are not bit-exact.
    """

    priority = 'VERY_LOW'
    _KEY = 'rng_state'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(torch=torch.get_rng_state(), python=random.getstate())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state()  # current device
        checkpoint[self._KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Only a resumed training run restores; `load_from` for fine-tuning
        # or testing keeps the fresh seed.
        if getattr(runner, '_resume', False):
            if runner.world_size > 1:
                runner.logger.info(
                    'RNGStateHook: distributed run, RNG states not restored '
                    '(only rank 0 saves checkpoints).')
                return
            self._pending = checkpoint.get(self._KEY)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        # resume maps the checkpoint to the run's device; RNG states must be
        # CPU byte tensors
        torch.set_rng_state(state['torch'].cpu())
        version, internal, gauss = state['python']
        random.setstate((version, tuple(internal), gauss))
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(state['cuda'].cpu())
