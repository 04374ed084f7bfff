"""Relation-DETR's position-relation attention bias between the top
queries (Hou et al., `Relation DETR <https://arxiv.org/abs/2407.11699>`_,
ECCV 2024, Sec. 3.2)."""
from typing import List

import numpy as np
from torch import Tensor

from .detections import hook_detr_head, top_queries
from .drawing import class_name, new_figure, save
from .probe import ATTENTION_PROBES, AttentionProbe


@ATTENTION_PROBES.register_module()
class RelationBiasProbe(AttentionProbe):
    """Hooks the decoder's ``position_relation_embedding``; its last call
    gives the bias added to the last decoder layer's self-attention
    logits, (bs, heads, queries, queries), from the boxes of the two
    layers before it. Draws the bias among the top-K queries, one matrix
    per head and their mean.

    Picture: ``<stem>_relation_bias.png``.
    """

    @classmethod
    def applies(cls, model) -> bool:
        decoder = getattr(model, 'decoder', None)
        return hasattr(decoder, 'position_relation_embedding') and \
            hasattr(model, 'bbox_head')

    def hooks(self) -> None:
        self.keep_output(self.model.decoder.position_relation_embedding,
                         'bias')
        hook_detr_head(self, self.model)

    def bias(self) -> Tensor:
        """The last relation bias, (bs, heads, queries, queries)."""
        return self.record('bias')

    def matrix(self, queries: List[int]) -> np.ndarray:
        """(heads, K, K) bias among ``queries`` (row attends to column)."""
        bias = self.bias()[0][:, queries][:, :, queries]
        return bias.cpu().numpy()

    def draw(self, scene, out_dir: str) -> List[str]:
        dets = top_queries(self, scene.sample, scene.topk)
        matrix = self.matrix([d['query'] for d in dets])
        names = [f'{i + 1}:{class_name(self.model, d["label"])}'
                 for i, d in enumerate(dets)]
        panels = list(matrix) + [matrix.mean(0)]
        titles = [f'head {h}' for h in range(len(matrix))] + ['mean']
        ncols = min(len(panels), 5)
        nrows = -(-len(panels) // ncols)
        fig, axes = new_figure(ncols, nrows, size=2.6)
        vmax = float(matrix.max()) or 1.0
        for ax, panel, title in zip(axes.flat, panels, titles):
            image = ax.imshow(panel, cmap='viridis', vmin=0, vmax=vmax)
            ax.set_title(title, fontsize=8)
            ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
            ax.set_yticks(range(len(names)), names, fontsize=6)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis('off')
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6)
        fig.suptitle('position-relation bias of the last decoder layer\'s '
                     'self-attention (row query -> column query)',
                     fontsize=9)
        return [save(fig, out_dir, f'{scene.stem}_relation_bias.png')]
