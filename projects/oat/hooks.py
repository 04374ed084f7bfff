"""Sets OAT's decoding length from the training data."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmdet.registry import HOOKS


@HOOKS.register_module()
class ScanpathLengthHook(Hook):
    """Before training, set ``model.max_len`` to the longest scanpath of the
    training split when the config left it ``None`` (OAT decodes at most
    that many fixations). The value is a buffer of the model, so the
    checkpoints carry it to ``tools/test.py`` and the demo."""

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if getattr(model, 'max_len', 0):
            return
        dataset = runner.train_dataloader.dataset
        longest = dataset.longest_scanpath
        model.max_len = longest
        print_log(f'ScanpathLengthHook: max_len = {longest}, the longest '
                  f'training scanpath', logger='current')
