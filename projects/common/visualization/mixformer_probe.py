"""MixFormer's mixed attention on tracked frames (Cui et al., `MixFormer:
End-to-End Tracking with Iterative Mixed Attention
<https://arxiv.org/abs/2203.11082>`_, CVPR 2022): how much each search
token attends to the templates, which template tokens it attends to, and
the score of each frame."""
import math
from typing import Dict, List

import numpy as np
from torch import Tensor

from .drawing import draw_box, new_figure, overlay, save, show_image
from .probe import ATTENTION_PROBES, AttentionProbe


def _denormalize(model, image: Tensor) -> np.ndarray:
    """A normalised (1, 3, h, w) crop -> (h, w, 3) uint8 RGB."""
    x = image[0].float() * model.std[0] + model.mean[0]
    return x.clamp(0, 255).byte().permute(1, 2, 0).cpu().numpy()


@ATTENTION_PROBES.register_module()
class MixedAttentionProbe(AttentionProbe):
    """Hooks the last block of the last backbone stage: its attention's
    ``proj_q`` / ``proj_k`` linears (the search queries and all keys,
    templates first, in both the cached and the joint pass), its key
    projection (the search key map size) and the first patch embedding
    (the search crop). The attention is rebuilt as the module's
    ``_attend`` does: ``softmax(q k^T * scale)`` per head.

    Pictures: ``<stem>_mixformer_frame{i}.png`` per tracked frame and
    ``<stem>_mixformer_scores.png``.
    """

    input_kind = 'video'

    @classmethod
    def applies(cls, model) -> bool:
        return hasattr(getattr(model, 'backbone', None), 'forward_search') \
            and hasattr(model, 'track')

    def _attention(self):
        return self.model.backbone.stages()[-1].blocks[-1].attn

    def hooks(self) -> None:
        attn = self._attention()
        self.keep_output(attn.proj_q, 'q')
        self.keep_output(attn.proj_k, 'k')
        self.keep_output(attn.conv_proj_k, 'search_keys')
        self.keep_inputs(self.model.backbone.stages()[0].patch_embed,
                         'crop')

    def frame_records(self) -> Dict[str, object]:
        """What one tracked frame needs for its picture, taken right after
        ``model.track``: attention (heads, search, keys), template key
        count, map sides, the crop and the templates as images."""
        attn = self._attention()
        q, k = (self.record(name).unflatten(-1, (attn.num_heads, -1))
                .transpose(1, 2) for name in ('q', 'k'))
        weights = (q @ k.transpose(-1, -2) * attn.scale).softmax(dim=-1)
        search_keys = self.record('search_keys')  # (1, C, hk, wk)
        num_template_keys = k.shape[2] - search_keys.shape[2:].numel()
        memo = self.model.memo
        templates = [memo.template] + list(memo.online.split(1))
        return dict(
            attention=weights[0].cpu(),
            num_template_keys=num_template_keys,
            search_side=int(round(math.sqrt(q.shape[2]))),
            crop=_denormalize(self.model, self.record('crop')[0][0]),
            templates=[_denormalize(self.model, t) for t in templates])

    def draw(self, scene, out_dir: str) -> List[str]:
        files = []
        for frame in scene.frames[1:]:
            rec = frame.records
            weights, n_t = rec['attention'], rec['num_template_keys']
            side = rec['search_side']
            # share of each search token's attention on the templates
            to_templates = weights[..., :n_t].sum(-1).mean(0)  # (Ns, )
            received = weights[..., :n_t].mean(dim=(0, 1))  # (n_t, )
            per_template = received.view(len(rec['templates']), -1)
            t_side = int(round(math.sqrt(per_template.shape[1])))
            ncols = 2 + len(rec['templates'])
            fig, axes = new_figure(ncols, 1, size=3.2)
            x, y, w, h = frame.box
            show_image(axes[0, 0], frame.image,
                       f'frame {frame.index}: score {frame.score:.3f}')
            draw_box(axes[0, 0], (x, y, x + w, y + h))
            crop = rec['crop']
            show_image(axes[0, 1], crop,
                       'search: attention share on templates')
            image = overlay(axes[0, 1], to_templates.view(side, side).numpy(),
                            (0, crop.shape[1], crop.shape[0], 0), vmin=0,
                            vmax=1)
            fig.colorbar(image, ax=axes[0, 1], shrink=0.7)
            for i, (template, heat) in enumerate(zip(rec['templates'],
                                                     per_template)):
                ax = axes[0, 2 + i]
                show_image(ax, template, 'static template' if i == 0 else
                           f'online template {i}')
                overlay(ax, heat.view(t_side, t_side).numpy(),
                        (0, template.shape[1], template.shape[0], 0))
            name = f'{scene.stem}_mixformer_frame{frame.index}.png'
            files.append(save(fig, out_dir, name))
        fig, axes = new_figure(size=4)
        ax = axes[0, 0]
        ax.plot([f.index for f in scene.frames[1:]],
                [f.score for f in scene.frames[1:]], marker='o')
        ax.set_xlabel('frame')
        ax.set_ylabel('score (sigmoid)')
        ax.set_ylim(0, 1)
        ax.set_title('MixFormer score per frame', fontsize=9)
        files.append(save(fig, out_dir, f'{scene.stem}_mixformer_scores.png'))
        return files
