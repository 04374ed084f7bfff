"""Focus-DETR's foreground scores per level and the tokens its encoder
keeps (Zheng et al., `Less is More: Focus Attention for Efficient DETR
<https://arxiv.org/abs/2307.12612>`_, ICCV 2023, Sec. 3.2)."""
from typing import List

import numpy as np
from torch import Tensor

from .drawing import new_figure, overlay, save, show_image
from .probe import ATTENTION_PROBES, AttentionProbe


@ATTENTION_PROBES.register_module()
class ForegroundSelectionProbe(AttentionProbe):
    """Hooks the foreground score predictor (called once per level, the
    coarsest first) and the encoder's inputs (the kept index sets of its
    layers). Draws, per level, sigmoid(foreground logit) over the image and
    the tokens the first and the last encoder layers update.

    Pictures: ``<stem>_focus_fg_level{l}.png``, l = 0 (finest) ..
    levels - 1.
    """

    @classmethod
    def applies(cls, model) -> bool:
        fts = getattr(model, 'fts', None)
        return hasattr(fts, 'predictor') and hasattr(model, 'encoder')

    def hooks(self) -> None:
        self.keep_output(self.model.fts.predictor, 'level_logits',
                         every_call=True)
        self.keep_inputs(self.model.encoder, 'encoder')

    def level_maps(self) -> List[Tensor]:
        """Foreground logits per level, finest first: (bs, h, w) each."""
        _, kwargs = self.record('encoder')
        shapes = [(int(h), int(w)) for h, w in kwargs['spatial_shapes']]
        calls = self.record('level_logits')[-len(shapes):][::-1]
        return [c.view(c.shape[0], h, w) for c, (h, w) in zip(calls, shapes)]

    def kept_tokens(self) -> List[Tensor]:
        """The token indices each encoder layer updates, (bs, K_l) each
        (flattened over the levels, finest first)."""
        return self.record('encoder')[1]['index_sets']

    def draw(self, scene, out_dir: str) -> List[str]:
        kwargs = self.record('encoder')[1]
        starts = [int(s) for s in kwargs['level_start_index']]
        maps = self.level_maps()
        kept = self.kept_tokens()
        width, height = scene.padded_extent
        files = []
        for lvl, logits in enumerate(maps):
            h, w = logits.shape[1:]
            fig, axes = new_figure(size=6)
            ax = axes[0, 0]
            show_image(ax, scene.image, (
                f'level {lvl} ({h}x{w}): sigmoid(foreground logit)\n'
                f'dots: tokens kept by encoder layer 0 (white, '
                f'{kept[0].shape[1]} over all levels) and layer '
                f'{len(kept) - 1} (red, {kept[-1].shape[1]})'))
            image = overlay(ax, logits[0].sigmoid().cpu().numpy(),
                            (0, width, height, 0), vmin=0, vmax=1)
            fig.colorbar(image, ax=ax, shrink=0.7)
            for index, color, size in ((kept[0], 'white', 6),
                                       (kept[-1], 'red', 10)):
                local = index[0].cpu().numpy() - starts[lvl]
                local = local[(local >= 0) & (local < h * w)]
                rows, cols = np.divmod(local, w)
                ax.scatter((cols + 0.5) / w * width, (rows + 0.5) / h * height,
                           s=size, c=color, linewidths=0)
            files.append(save(fig, out_dir,
                              f'{scene.stem}_focus_fg_level{lvl}.png'))
        return files
