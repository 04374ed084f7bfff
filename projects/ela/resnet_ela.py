"""ResNet with Efficient Local Attention (Xu and Wan, arXiv:2403.01123).

:class:`ResNetELA` is mmdet's ``ResNet`` with an :class:`~.ela.ELA` after
the 3x3 conv (conv2 -> norm2 -> ReLU) of every bottleneck of the chosen
stages, on the block's width channels, which is where the author's ResNet
code puts it. It is the same as writing the plugin yourself::

    backbone=dict(type='ResNet', depth=50, plugins=[dict(
        cfg=dict(type='ELA', variant='B'),
        stages=(False, True, True, True), position='after_conv2')])

For ResNet-18/34, whose ``BasicBlock`` has no plugin slots in mmdet,
:class:`BasicBlockELA` applies ``after_conv2`` plugins after conv2 -> norm2,
before the residual addition (the author's BasicBlock placement).
Parameter names of the ResNet are unchanged, so torchvision / mmdet ResNet
checkpoints load as usual (the ELA parameters are new).
"""
import copy
from typing import Optional, Sequence

import torch.utils.checkpoint as cp
from mmcv.cnn import build_plugin_layer

from mmdet.models.backbones.resnet import BasicBlock, ResNet
from mmdet.registry import MODELS


class BasicBlockELA(BasicBlock):
    """mmdet's ``BasicBlock`` accepting ``after_conv2`` plugins."""

    def __init__(self, *args, plugins: Optional[list] = None, **kwargs):
        super().__init__(*args, plugins=None, **kwargs)
        self.plugin_names = []
        for plugin in plugins or []:
            plugin = copy.deepcopy(plugin)
            if plugin.get('position') != 'after_conv2':
                raise ValueError(
                    f"BasicBlockELA: plugin position "
                    f"{plugin.get('position')!r} is not supported; "
                    f"ResNet-18/34 accept position='after_conv2' only.")
            cfg = plugin['cfg']
            name, layer = build_plugin_layer(
                cfg,
                cfg.pop('postfix', ''),
                in_channels=self.conv2.out_channels)
            if hasattr(self, name):
                raise ValueError(f'BasicBlockELA: duplicate plugin {name}.')
            self.add_module(name, layer)
            self.plugin_names.append(name)

    def forward(self, x):

        def _inner_forward(x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.norm1(self.conv1(x)))
            out = self.norm2(self.conv2(out))
            for name in self.plugin_names:
                out = getattr(self, name)(out)
            return out + identity

        if self.with_cp and x.requires_grad:
            out = cp.checkpoint(_inner_forward, x, use_reentrant=False)
        else:
            out = _inner_forward(x)
        return self.relu(out)


@MODELS.register_module()
class ResNetELA(ResNet):
    """mmdet's ResNet with ELA in every block of the chosen stages.

    Args:
        ela_variant (str): ELA variant, ``'T'``, ``'B'``, ``'S'`` or ``'L'``.
        ela_stages (Sequence[bool]): Stages (of 4) that get ELA.
        ela_cfg (dict, optional): Extra ELA arguments (e.g.
            ``residual=True``).
        **kwargs: mmdet ``ResNet`` arguments (``plugins`` are kept and
            applied too).
    """
    arch_settings = dict(ResNet.arch_settings)
    arch_settings[18] = (BasicBlockELA, ResNet.arch_settings[18][1])
    arch_settings[34] = (BasicBlockELA, ResNet.arch_settings[34][1])

    def __init__(self,
                 ela_variant: str = 'B',
                 ela_stages: Sequence[bool] = (False, True, True, True),
                 ela_cfg: Optional[dict] = None,
                 plugins: Optional[list] = None,
                 **kwargs) -> None:
        if len(ela_stages) != 4:
            raise ValueError(f'ResNetELA: ela_stages needs 4 booleans, got '
                             f'{ela_stages}.')
        frozen = kwargs.get('frozen_stages', -1)
        for i, on in enumerate(ela_stages):
            if on and i < frozen:
                raise ValueError(
                    f'ResNetELA: ELA in stage {i + 1} would be frozen at its '
                    f'random initialisation (frozen_stages={frozen}); drop it '
                    f'from ela_stages or lower frozen_stages.')
        ela = dict(
            cfg=dict(type='ELA', variant=ela_variant, **(ela_cfg or {})),
            stages=tuple(bool(s) for s in ela_stages),
            position='after_conv2')
        super().__init__(plugins=list(plugins or []) + [ela], **kwargs)
        self.ela_variant = ela_variant


__all__ = ['BasicBlockELA', 'ResNetELA']
