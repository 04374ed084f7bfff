"""Two-stage query selection shared by the DETR-style detectors."""
from typing import Optional, Tuple

import torch
from torch import Tensor, nn


def gather_topk(logits: Tensor, coords_unact: Tensor, k: int,
                score_channel: Optional[int] = None
                ) -> Tuple[Tensor, Tensor, Tensor]:
    """Keep the ``k`` best-scoring tokens.

    Args:
        logits (Tensor): (bs, num_tokens, C) class logits of the tokens.
        coords_unact (Tensor): (bs, num_tokens, 4) unsigmoided boxes.
        k (int): How many tokens to keep (all of them when there are
            fewer).
        score_channel (int, optional): Rank by this channel only (0: the
            binary objectness of Deformable-DETR-style encoders, as
            Plain-DETR); None ranks by the best class (DINO).

    Returns:
        tuple: ``(scores, boxes, boxes_unact)``: the kept logits
        (bs, min(k, num_tokens), C), their sigmoid boxes carrying gradients
        and the same boxes unsigmoided and detached, to seed the decoder's
        reference points.
    """
    k = min(k, logits.size(1))
    rank = logits.max(-1)[0] if score_channel is None else \
        logits[..., score_channel]
    topk = torch.topk(rank, k=k, dim=1)[1]
    scores = torch.gather(logits, 1,
                          topk.unsqueeze(-1).expand(-1, -1, logits.size(-1)))
    coords_unact = torch.gather(coords_unact, 1,
                                topk.unsqueeze(-1).expand(-1, -1, 4))
    return scores, coords_unact.sigmoid(), coords_unact.detach()


def select_topk_proposals(output_memory: Tensor, output_proposals: Tensor,
                          cls_branch: nn.Module, reg_branch: nn.Module,
                          k: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Score every encoder token and keep the ``k`` best (by their best
    class logit) as proposals.

    Args:
        output_memory (Tensor): (bs, num_tokens, dims), the encoder memory
            after the proposal projection
            (``DeformableDETR.gen_encoder_output_proposals``).
        output_proposals (Tensor): (bs, num_tokens, 4) unsigmoided anchor
            boxes of the tokens.
        cls_branch (nn.Module): Token classifier.
        reg_branch (nn.Module): Token box regressor (a delta on the anchor).
        k (int): How many tokens to keep.

    Returns:
        tuple: as :func:`gather_topk`.
    """
    logits = cls_branch(output_memory)
    coords_unact = reg_branch(output_memory) + output_proposals
    return gather_topk(logits, coords_unact, k)
