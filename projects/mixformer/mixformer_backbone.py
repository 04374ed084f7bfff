"""The MixFormer backbone: three CvT stages of mixed attention.

Cui et al., "MixFormer: End-to-End Tracking with Iterative Mixed
Attention", CVPR 2022 (arXiv:2203.11082).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.model import BaseModule
from torch import Tensor

from mmdet.registry import MODELS
from projects.common.models import init_linear_and_layernorm
from .mixformer_layers import MixFormerStage


@MODELS.register_module()
class MixFormerBackbone(BaseModule):
    """CvT with asymmetric mixed attention over template and search tokens.

    ``arch='cvt21'`` is MixFormer-22k/1k (dims 64/192/384, heads 1/3/6,
    depths 1/4/16); ``'cvt24w'`` is MixFormer-L (dims 192/768/1024, heads
    3/12/16, depths 2/2/12). Patch embeddings k7 s4 p2, k3 s2 p1, k3 s2 p1;
    no position embedding, no class token. The official CvT's final norm
    and classifier are never used and are not built.

    Three entry points:

    * :meth:`forward` (training, uncached tracking): templates and search
      together; returns the first template's and the search's last maps;
    * :meth:`set_templates`: templates alone, caching every block's
      template keys / values; stores the first template's last map;
    * :meth:`forward_search`: a search image against the cache.

    Args:
        arch (str | dict): ``'cvt21'``, ``'cvt24w'`` or a dict with
            ``embed_dims``, ``depths``, ``num_heads``.
        drop_path_rate (float | Sequence[float]): Per-stage stochastic
            depth (linear within a stage); official ``[0, 0, 0.1]``.
        frozen_stages (int): Stages 0..frozen_stages get no gradient
            (MixFormer-L freezes stage 0).
        init_cfg (dict, optional): e.g. a ``Pretrained`` CvT checkpoint.
    """
    arch_zoo = {
        'cvt21': dict(embed_dims=[64, 192, 384], depths=[1, 4, 16],
                      num_heads=[1, 3, 6]),
        'cvt24w': dict(embed_dims=[192, 768, 1024], depths=[2, 2, 12],
                       num_heads=[3, 12, 16]),
    }
    patch_cfg = ((7, 4, 2), (3, 2, 1), (3, 2, 1))

    def __init__(self,
                 arch: Union[str, Dict] = 'cvt21',
                 in_channels: int = 3,
                 mlp_ratio: float = 4.,
                 drop_path_rate: Union[float, Sequence[float]] = (0., 0.,
                                                                  0.1),
                 frozen_stages: int = -1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_zoo:
                raise KeyError(f'MixFormerBackbone: unknown arch {arch!r}; '
                               f'choose one of {sorted(self.arch_zoo)}.')
            arch = self.arch_zoo[arch]
        dims, depths, heads = arch['embed_dims'], arch['depths'], \
            arch['num_heads']
        if isinstance(drop_path_rate, (int, float)):
            drop_path_rate = [0.] * (len(dims) - 1) + [float(drop_path_rate)]
        self.embed_dims = list(dims)
        self.num_stages = len(dims)
        self.frozen_stages = frozen_stages
        for i in range(self.num_stages):
            k, s, p = self.patch_cfg[i]
            setattr(
                self, f'stage{i}',
                MixFormerStage(in_channels, dims[i], depths[i], heads[i], k,
                               s, p, mlp_ratio, drop_path_rate[i]))
            in_channels = dims[i]
        self.template_feat: Optional[Tensor] = None
        self._freeze_stages()

    @property
    def out_channels(self) -> int:
        return self.embed_dims[-1]

    def init_weights(self) -> None:
        """Official init (Linear trunc-normal 0.02 / 0, norms 1 / 0), or a
        pretrained checkpoint through ``init_cfg``."""
        if self.init_cfg:
            super().init_weights()
            return
        init_linear_and_layernorm(self)

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages + 1):
            stage = getattr(self, f'stage{i}')
            stage.eval()
            for p in stage.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True) -> 'MixFormerBackbone':
        super().train(mode)
        self._freeze_stages()
        return self

    def stages(self) -> List[MixFormerStage]:
        return [getattr(self, f'stage{i}') for i in range(self.num_stages)]

    def forward(self, templates: List[Tensor], search: Tensor
                ) -> Tuple[Tensor, Tensor]:
        """Args:
            templates (list[Tensor]): (B, 3, 128, 128) images, static
                template first.
            search (Tensor): (B, 3, 320, 320).

        Returns:
            tuple: first template's map (B, C, 8, 8) and search map
            (B, C, 20, 20) for 128 / 320 inputs.
        """
        for stage in self.stages():
            templates, search = stage(templates, search)
        return templates[0], search

    def set_templates(self, templates: List[Tensor]) -> Tensor:
        """Cache the templates' keys / values in every block (batch 1 per
        template image; online templates may be stacked along batch)."""
        maps = []
        for t in templates:  # split stacked online templates into images
            maps.extend(t.split(1, dim=0))
        for stage in self.stages():
            maps = stage.set_templates(maps)
        self.template_feat = maps[0]
        return self.template_feat

    def forward_search(self, search: Tensor) -> Tuple[Tensor, Tensor]:
        """Search pass against the cache; returns (template map, search
        map)."""
        if self.template_feat is None:
            raise RuntimeError('MixFormerBackbone: call set_templates() '
                               'before forward_search().')
        for stage in self.stages():
            search = stage.forward_search(search)
        return self.template_feat, search


__all__ = ['MixFormerBackbone']
