"""BiFormer backbone for MMDetection 3.x.

Zhu et al., "BiFormer: Vision Transformer with Bi-Level Routing Attention",
CVPR 2023 (arXiv:2303.08810). Official code: rayleizhu/BiFormer
(``models/biformer.py`` and the detection wrapper
``object_detection/models_mm/biformer_mm.py``).
"""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union
from urllib.parse import urlparse

import torch
from mmcv.cnn import build_norm_layer
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmdet.registry import MODELS
from projects.common.models import init_linear_and_layernorm
from projects.common.utils import load_state_dict_file
from .biformer_layers import BiFormerBlock, LayerNorm2d
from .checkpoint import convert_official_biformer, is_official_biformer


@MODELS.register_module()
class BiFormer(BaseModule):
    """BiFormer: a 4-stage backbone of bi-level routing attention blocks.

    Stem: two 3x3 stride-2 convs (BN, GELU between); stages 2-4 start with a
    3x3 stride-2 conv + BN. Stages 1-3 use BRA with top-k 1 / 4 / 16 routed
    regions, stage 4 global attention (``topks = [1, 4, 16, -2]``). As the
    official detection wrapper, every returned stage goes through its own
    ``LayerNorm2d`` (``extra_norms``) while the un-normalised map feeds the
    next stage.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'`` or a dict with
            ``depths``, ``embed_dims``, ``num_heads`` (BRA stages) and
            optionally ``mlp_ratios``.
        in_channels (int): Input channels.
        n_win (int): BRA regions per side (7 for ImageNet, 16 for COCO).
        topks (Sequence[int]): Routed regions per stage; -2 = global.
        side_dwconv (int): LCE / LePE kernel.
        auto_pad (bool): Pad maps not divisible by ``n_win`` (official
            detection setting).
        drop_path_rate (float): Stochastic depth, linear from 0 over blocks.
        out_indices (Sequence[int]): Stages to return (0-based); only these
            get an extra norm.
        frozen_stages (int): Stages 0..frozen_stages (stem included) are
            frozen; -1 freezes nothing.
        norm_cfg (dict): Norm of the stem / downsampling convs.
        norm_eval (bool): Keep those BatchNorms in eval mode in training
            (official detection default).
        with_cp (bool): Activation checkpointing per block.
        attn_impl (str): BRA path, ``'fast'`` or ``'reference'``.
        init_cfg (dict, optional): ``dict(type='Pretrained', checkpoint=...,
            file_name=None, prefix=None)`` loads a converted checkpoint or
            directly an official ImageNet one (converted in memory); a URL
            is downloaded once to torch's hub cache as ``file_name``.
    """
    arch_zoo = {
        'tiny': dict(depths=[2, 2, 8, 2], embed_dims=[64, 128, 256, 512],
                     num_heads=[2, 4, 8, 16]),
        'small': dict(depths=[4, 4, 18, 4], embed_dims=[64, 128, 256, 512],
                      num_heads=[2, 4, 8, 16]),
        'base': dict(depths=[4, 4, 18, 4], embed_dims=[96, 192, 384, 768],
                     num_heads=[3, 6, 12, 24]),
    }

    def __init__(self,
                 arch: Union[str, Dict] = 'small',
                 in_channels: int = 3,
                 n_win: int = 16,
                 topks: Sequence[int] = (1, 4, 16, -2),
                 side_dwconv: int = 5,
                 auto_pad: bool = True,
                 drop_path_rate: float = 0.,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 norm_eval: bool = True,
                 with_cp: bool = False,
                 attn_impl: str = 'fast',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise KeyError(f'BiFormer: unknown arch {arch!r}; choose one '
                               f'of {sorted(self.arch_zoo)} or pass a dict.')
            arch = self.arch_zoo[arch]
        depths = list(arch['depths'])
        dims = list(arch['embed_dims'])
        heads = list(arch['num_heads'])
        mlp_ratios = list(arch.get('mlp_ratios', [3, 3, 3, 3]))
        if not len(depths) == len(dims) == len(topks) == 4:
            raise ValueError('BiFormer: depths, embed_dims and topks need 4 '
                             'entries (one per stage).')
        for i in out_indices:
            if not 0 <= i < 4:
                raise ValueError(f'BiFormer: out_indices {out_indices} must '
                                 f'be in 0..3.')
        self.embed_dims = dims
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.downsample_layers = nn.ModuleList()
        self.downsample_layers.append(
            nn.Sequential(
                nn.Conv2d(in_channels, dims[0] // 2, 3, stride=2, padding=1),
                build_norm_layer(norm_cfg, dims[0] // 2)[1],
                nn.GELU(),
                nn.Conv2d(dims[0] // 2, dims[0], 3, stride=2, padding=1),
                build_norm_layer(norm_cfg, dims[0])[1]))
        for i in range(3):
            self.downsample_layers.append(
                nn.Sequential(
                    nn.Conv2d(dims[i], dims[i + 1], 3, stride=2, padding=1),
                    build_norm_layer(norm_cfg, dims[i + 1])[1]))

        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.stages = nn.ModuleList()
        start = 0
        for i in range(4):
            self.stages.append(
                nn.Sequential(*[
                    BiFormerBlock(
                        dims[i],
                        num_heads=heads[i],
                        topk=topks[i],
                        n_win=n_win,
                        mlp_ratio=mlp_ratios[i],
                        drop_path=rates[start + j],
                        side_dwconv=side_dwconv,
                        auto_pad=auto_pad,
                        attn_impl=attn_impl,
                        with_cp=with_cp) for j in range(depths[i])
                ]))
            start += depths[i]
        # Only returned stages get a norm, so no parameter is left unused
        # (the official wrapper builds all four).
        self.extra_norms = nn.ModuleDict(
            {str(i): LayerNorm2d(dims[i])
             for i in self.out_indices})
        self._freeze_stages()

    @property
    def num_features(self) -> Tuple[int, ...]:
        """Channels of each returned map."""
        return tuple(self.embed_dims[i] for i in self.out_indices)

    def init_weights(self) -> None:
        """Official init (Linear trunc-normal 0.02, LayerNorm 1/0, convs and
        BNs PyTorch's), or the checkpoint of a ``Pretrained`` init_cfg.

        An official ImageNet checkpoint (weights under ``'model'``) is
        converted in memory; ``extra_norms`` keep their init, as in the
        official detection code.
        """
        cfg = self.init_cfg or {}
        init_linear_and_layernorm(self)
        if cfg.get('type') != 'Pretrained':
            return
        source = cfg['checkpoint']
        state = load_state_dict_file(self._fetch(source, cfg.get('file_name')))
        prefix = cfg.get('prefix')
        if prefix:
            prefix = prefix if prefix.endswith('.') else prefix + '.'
            state = {k[len(prefix):]: v for k, v in state.items()
                     if k.startswith(prefix)}
        if is_official_biformer(state):
            state, _ = convert_official_biformer(state)
        missing, unexpected = self.load_state_dict(state, strict=False)
        # extra norms are new for the detection backbone, as officially; a
        # detector checkpoint may hold norms of stages this backbone does
        # not return
        missing = [k for k in missing if not k.startswith('extra_norms.')]
        unexpected = [k for k in unexpected
                      if not k.startswith('extra_norms.')]
        if missing or unexpected:
            raise KeyError(
                f'BiFormer: checkpoint {source} does not fit this backbone: '
                f'missing {missing[:8]} ({len(missing)}), unexpected '
                f'{unexpected[:8]} ({len(unexpected)}). Check arch (and '
                f'prefix for a detector checkpoint).')
        print_log(f'BiFormer: loaded {source}', logger='current')

    @staticmethod
    def _fetch(source: str, file_name: Optional[str] = None) -> str:
        """Local path of ``source``; URLs are downloaded once into torch's
        hub cache under ``file_name`` (the official OneDrive links all end
        in ``/content``, so the name must come from the config)."""
        if not source.startswith(('http://', 'https://')):
            if not osp.isfile(source):
                raise FileNotFoundError(
                    f'BiFormer: init_cfg.checkpoint {source} does not exist; '
                    f'download the official ImageNet weights (see '
                    f'projects/biformer/README.md) or fix the path.')
            return source
        name = file_name or osp.basename(urlparse(source).path)
        cache = osp.join(torch.hub.get_dir(), 'checkpoints')
        path = osp.join(cache, name)
        rank, _ = get_dist_info()
        if rank == 0 and not osp.isfile(path):
            os.makedirs(cache, exist_ok=True)
            print_log(f'BiFormer: downloading {source} to {path}',
                      logger='current')
            torch.hub.download_url_to_file(source, path, progress=True)
        barrier()  # other processes wait for rank 0's download
        return path

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages + 1):
            mods = [self.downsample_layers[i], self.stages[i]]
            if str(i) in self.extra_norms:
                mods.append(self.extra_norms[str(i)])
            for mod in mods:
                mod.eval()
                for p in mod.parameters():
                    p.requires_grad = False

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Returns the normalised maps of ``out_indices`` (strides 4-32)."""
        outs = []
        for i in range(max(self.out_indices) + 1):
            x = self.stages[i](self.downsample_layers[i](x))
            if i in self.out_indices:
                outs.append(self.extra_norms[str(i)](x).contiguous())
        return tuple(outs)

    def train(self, mode: bool = True) -> 'BiFormer':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
