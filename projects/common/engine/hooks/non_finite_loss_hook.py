"""A non-finite loss is never silent: skip the update and count it, or
stop with one line; never write a checkpoint of non-finite weights."""
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmdet.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """Training stopped on a non-finite loss or non-finite weights (the
    tools print it as one line)."""


def _finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    try:
        return bool(torch.isfinite(torch.as_tensor(value)).all())
    except (TypeError, ValueError):
        return True


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Watch the total loss of every training iteration.

    When it is NaN or infinite, the parameter update of that iteration is
    skipped (no backward, no optimiser step; gradients of an accumulation
    in progress are dropped). Then, with ``action='skip'``, the iteration
    is counted and logged with the terms that went non-finite, and
    training goes on until more than ``max_skips`` updates were skipped.
    With ``action='stop'``, or past the limit, training stops with one
    line: the iteration, the non-finite terms and the last good
    checkpoint. In distributed runs all ranks skip together.

    A finite loss can still give an update that overflows the weights (a
    far too high learning rate); with ``check_weights`` the parameters are
    checked after every update and training stops at the first non-finite
    one, before the next forward fails somewhere less clear (a DETR's
    matcher, say). A checkpoint whose weights hold a NaN or an infinity is
    never written: saving stops training with the names of those tensors.

    Args:
        action (str): 'skip' (default) or 'stop'.
        max_skips (int): skipped updates allowed before stopping.
        check_weights (bool): check the parameters after each update.
    """
    priority = 'VERY_HIGH'

    def __init__(self, action: str = 'skip', max_skips: int = 10,
                 check_weights: bool = True):
        if action not in ('skip', 'stop'):
            raise ValueError(f"NonFiniteLossHook: action must be 'skip' or "
                             f"'stop', got {action!r}")
        self.action = action
        self.max_skips = max_skips
        self.check_weights = check_weights
        self.skipped = 0
        self._bad_iter = False
        self._bad_weight: Optional[str] = None

    def before_train(self, runner) -> None:
        wrapper = runner.optim_wrapper
        if not hasattr(wrapper, 'update_params') or getattr(
                wrapper, '_non_finite_guard', False):
            return
        update = wrapper.update_params
        params = [(n, p) for n, p in runner.model.named_parameters()
                  if p.requires_grad]

        def guarded(loss, *args, **kwargs):
            ok = torch.isfinite(loss.detach()).all().float()
            if get_world_size() > 1:
                all_reduce(ok, op='min')
            if ok.item() == 1:
                result = update(loss, *args, **kwargs)
                if self.check_weights and params:
                    # one reduction, one device sync per iteration; the
                    # name is looked up only when something is wrong
                    finite = torch.stack([
                        torch.isfinite(p.detach()).all() for _, p in params
                    ]).all()
                    if not finite:
                        self._bad_weight = next(
                            n for n, p in params
                            if not torch.isfinite(p.detach()).all())
                return result
            self._bad_iter = True
            wrapper.zero_grad()
            return None

        wrapper.update_params = guarded
        wrapper._non_finite_guard = True

        # a DETR's Hungarian matcher (scipy) fails on non-finite costs before
        # any loss exists: name that, too
        model, step = runner.model, runner.model.train_step

        def guarded_step(data, optim_wrapper):
            try:
                return step(data, optim_wrapper)
            except ValueError as error:
                if 'invalid numeric entries' not in str(error):
                    raise
                raise NonFiniteLossError(
                    f'iteration {runner.iter + 1}: the predictions are '
                    f'non-finite (the matching cost holds NaN or inf: '
                    f'{error}); training stopped. Last good checkpoint: '
                    f'{self._last_checkpoint(runner) or "none written yet"}'
                    f'. Usual cause: too high a learning rate or no '
                    f'gradient clipping') from error

        model.train_step = guarded_step

    @staticmethod
    def _last_checkpoint(runner) -> Optional[str]:
        path = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(path):
            with open(path) as f:
                return f.read().strip() or None
        return None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self._bad_weight is not None:
            raise NonFiniteLossError(
                f'iteration {runner.iter + 1}: the update made '
                f'{self._bad_weight} non-finite (the loss was finite); '
                f'training stopped. Last good checkpoint: '
                f'{self._last_checkpoint(runner) or "none written yet"}. '
                f'Usual cause: too high a learning rate or no gradient '
                f'clipping')
        if not self._bad_iter:
            return
        self._bad_iter = False
        self.skipped += 1
        terms = [k for k, v in (outputs or {}).items()
                 if 'loss' in k and k != 'loss' and not _finite(v)]
        terms = ', '.join(terms) or 'the total loss'
        where = f'iteration {runner.iter + 1}'
        if self.action == 'stop' or self.skipped > self.max_skips:
            last = self._last_checkpoint(runner)
            why = ('' if self.action == 'stop' else
                   f' ({self.skipped} updates skipped, more than '
                   f'max_skips={self.max_skips})')
            raise NonFiniteLossError(
                f'{where}: non-finite {terms}{why}; training stopped, the '
                f'update of this iteration was not applied. Last good '
                f'checkpoint: {last or "none written yet"}. Usual causes: '
                f'too high a learning rate, boxes of zero size, fp16 '
                f'overflow')
        print_log(f'NonFiniteLossHook: {where}: non-finite {terms}; the '
                  f'update was skipped ({self.skipped} of at most '
                  f'{self.max_skips})', logger='current', level=30)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [k for k, v in checkpoint.get('state_dict', {}).items()
               if isinstance(v, torch.Tensor) and v.is_floating_point()
               and not torch.isfinite(v).all()]
        if bad:
            raise NonFiniteLossError(
                f'iteration {runner.iter}: not writing a checkpoint with '
                f'non-finite weights ({len(bad)} tensors, e.g. '
                f'{", ".join(bad[:3])}). Last good checkpoint: '
                f'{self._last_checkpoint(runner) or "none written yet"}')
