"""The box head's refinement with the inverse-sigmoid eps of the official
DETR code bases.

mmdet's :meth:`DeformableDETRHead.forward` turns each layer's reference
boxes back into logits with ``inverse_sigmoid(eps=1e-5)``; the official
Relation-DETR (and detrex, hence Focus-DETR) use ``eps=1e-3`` there, as in
their decoders. The two differ for references within 1e-3 of 0 or 1 (tiny
boxes, centres on the image border), in predictions and in the losses.
"""
from typing import List, Tuple

import torch
from torch import Tensor

from mmdet.models.layers import inverse_sigmoid


class ReferenceEpsMixin:
    """Put before a :class:`DeformableDETRHead` subclass (e.g.
    ``class Head(ReferenceEpsMixin, DINOHead)``) to refine boxes with
    ``inverse_sigmoid(eps=reference_eps)``. Used by Relation-DETR; meant
    for Focus-DETR."""

    #: eps of the official inverse sigmoid (mmdet: 1e-5)
    reference_eps: float = 1e-3

    def forward(self, hidden_states: Tensor,
                references: List[Tensor]) -> Tuple[Tensor, Tensor]:
        """Based on :meth:`DeformableDETRHead.forward`: per decoder layer,
        class logits and boxes ``sigmoid(reg(h) + inverse_sigmoid(ref))``
        (only the centre is refined for 2-d references); the eps is
        :attr:`reference_eps`.

        Args:
            hidden_states (Tensor): (num_layers, bs, num_queries, dims).
            references (list[Tensor]): The references before each layer
                (the last one, after the final layer, is not used), each
                (bs, num_queries, 4) or (bs, num_queries, 2), in [0, 1].

        Returns:
            tuple: class logits (num_layers, bs, num_queries, classes) and
            boxes (num_layers, bs, num_queries, 4), normalised cx, cy, w, h.
        """
        classes, coords = [], []
        for layer_id in range(hidden_states.shape[0]):
            reference = inverse_sigmoid(references[layer_id],
                                        eps=self.reference_eps)
            hidden = hidden_states[layer_id]
            delta = self.reg_branches[layer_id](hidden)
            if reference.shape[-1] == 4:
                delta = delta + reference
            else:
                delta = torch.cat([delta[..., :2] + reference,
                                   delta[..., 2:]], -1)
            classes.append(self.cls_branches[layer_id](hidden))
            coords.append(delta.sigmoid())
        return torch.stack(classes), torch.stack(coords)
