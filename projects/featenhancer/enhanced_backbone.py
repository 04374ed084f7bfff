"""Any backbone with an image enhancer in front, by config alone."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS


@MODELS.register_module()
class EnhancedBackbone(BaseModule):
    """``backbone(enhancer(x))``: an enhancer (e.g. :class:`FeatEnHancer`)
    on the normalised, padded batch, then any backbone.

    Every detector of this project gets the enhancer by wrapping its
    backbone config::

        model = dict(backbone=dict(
            _delete_=True, type='EnhancedBackbone',
            enhancer=dict(type='FeatEnHancer'),
            backbone=dict(type='ResNet', depth=50, ...)))

    The backbone keeps its behaviour: its ``init_cfg`` (pretrained weights)
    is read by its own ``init_weights``, ``train()`` reaches its frozen
    stages and ``norm_eval``, and attributes the detector reads from its
    backbone (``out_channels``, ``get_layer_depth``, ...) are the wrapped
    backbone's. A detector checkpoint saved without the enhancer loads: its
    ``backbone.*`` weights go to the wrapped backbone and the enhancer is
    reported missing. The visualiser and the demos draw the input image;
    ``tools/analysis_tools/show_enhanced.py`` shows the enhanced one.

    Args:
        enhancer (dict): Config of the enhancer (same shape in and out).
        backbone (dict): Config of the backbone.
        init_cfg (dict, optional): Unused (each part has its own).
    """

    def __init__(self, enhancer: dict, backbone: dict,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.enhancer = MODELS.build(enhancer)
        self.backbone = MODELS.build(backbone)
        self._register_load_state_dict_pre_hook(self._from_plain_backbone)

    def forward(self, x: Tensor):
        return self.backbone(self.enhancer(x))

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            modules = self.__dict__.get('_modules', {})
            if 'backbone' not in modules:
                raise
            return getattr(modules['backbone'], name)

    def _from_plain_backbone(self, state_dict, prefix, *args) -> None:
        """Checkpoint keys of an unwrapped backbone (``prefix + 'conv1...'``)
        move under ``prefix + 'backbone.'``."""
        own = (prefix + 'backbone.', prefix + 'enhancer.')
        for key in [k for k in state_dict
                    if k.startswith(prefix) and not k.startswith(own)]:
            state_dict[prefix + 'backbone.' + key[len(prefix):]] = \
                state_dict.pop(key)
