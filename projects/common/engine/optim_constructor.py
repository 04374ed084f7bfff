"""Parameter groups from name rules that compose, as the official DETR
codes build them (e.g. Plain-DETR ``util/misc.py::get_param_dict``).

mmengine's ``DefaultOptimWrapperConstructor`` applies only the longest
``custom_keys`` entry that a parameter's name contains, so a backbone
LayerNorm cannot get both the backbone's learning rate and no weight decay.
Here every matching rule applies.
"""
from typing import List, Optional

from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmdet.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ParamNameOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """One parameter group per parameter, its lr and weight decay set by
    its full name.

    ``paramwise_cfg`` keys (all optional):

    * ``lr_mults`` (dict): substring -> lr multiplier; the multipliers of
      every substring the name contains are multiplied.
    * ``no_decay_names`` (list[str]): a name containing any of them gets
      ``weight_decay * no_decay_mult``.
    * ``no_decay_mult`` (float): 0.0 by default.
    * ``layer_decay_rate`` (float): layer-wise lr decay of the
      ``layer_decay_module`` child (``'backbone'``): its parameters get
      lr x ``rate ** (num_layers - depth - 1)`` with ``(depth,
      num_layers) = child.get_layer_depth(name_inside_child)``, as
      mmpretrain's ``LearningRateDecayOptimWrapperConstructor``.

    Parameters that do not require gradients are left out.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        given = dict(paramwise_cfg or {})
        paramwise_cfg = dict(given)
        self.lr_mults = dict(paramwise_cfg.pop('lr_mults', {}))
        self.no_decay_names = tuple(paramwise_cfg.pop('no_decay_names', ()))
        self.no_decay_mult = float(paramwise_cfg.pop('no_decay_mult', 0.0))
        self.layer_decay_rate = paramwise_cfg.pop('layer_decay_rate', None)
        self.layer_decay_module = paramwise_cfg.pop('layer_decay_module',
                                                    'backbone')
        if paramwise_cfg:
            raise ValueError(
                f'ParamNameOptimWrapperConstructor: unknown paramwise_cfg '
                f'keys {sorted(paramwise_cfg)}; use lr_mults, '
                f'no_decay_names, no_decay_mult, layer_decay_rate, '
                f'layer_decay_module.')
        # a non-empty paramwise_cfg makes the parent call add_params
        super().__init__(optim_wrapper_cfg, given or dict(lr_mults={}))

    def _layer_scale(self, model: nn.Module, name: str) -> float:
        if self.layer_decay_rate is None:
            return 1.0
        prefix = self.layer_decay_module + '.'
        if not name.startswith(prefix):
            return 1.0
        child = getattr(model, self.layer_decay_module)
        if not hasattr(child, 'get_layer_depth'):
            raise ValueError(
                f'paramwise_cfg.layer_decay_rate needs '
                f'{type(child).__name__}.get_layer_depth(name); remove the '
                f'key or use a backbone that has it.')
        depth, num_layers = child.get_layer_depth(name[len(prefix):])
        return self.layer_decay_rate**(num_layers - depth - 1)

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', **kwargs) -> None:
        """Every trainable parameter of ``module`` as its own group."""
        for name, param in module.named_parameters():
            if not param.requires_grad:
                continue
            lr = self.base_lr * self._layer_scale(module, name)
            for key, mult in self.lr_mults.items():
                if key in name:
                    lr *= mult
            group = dict(params=[param], lr=lr)
            if self.base_wd is not None:
                decay = any(key in name for key in self.no_decay_names)
                group['weight_decay'] = self.base_wd * (
                    self.no_decay_mult if decay else 1.0)
            params.append(group)
