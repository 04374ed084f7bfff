"""Two-stage query selection shared by the DINO-style detectors."""
from typing import Tuple

import torch
from torch import Tensor, nn


def select_topk_proposals(output_memory: Tensor, output_proposals: Tensor,
                          cls_branch: nn.Module, reg_branch: nn.Module,
                          k: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Score every encoder token and keep the ``k`` best as proposals.

    Args:
        output_memory (Tensor): (bs, num_tokens, dims), the encoder memory
            after the proposal projection
            (``DeformableDETR.gen_encoder_output_proposals``).
        output_proposals (Tensor): (bs, num_tokens, 4) unsigmoided anchor
            boxes of the tokens.
        cls_branch (nn.Module): Token classifier.
        reg_branch (nn.Module): Token box regressor (a delta on the anchor).
        k (int): How many tokens to keep, ranked by their best class logit
            (all of them when there are fewer).

    Returns:
        tuple: ``(scores, boxes, boxes_unact)``: the kept class logits
        (bs, min(k, num_tokens), C), their sigmoid boxes (bs, k, 4) carrying gradients for the
        encoder loss, and the same boxes unsigmoided and detached, to seed
        the decoder's reference points.
    """
    logits = cls_branch(output_memory)
    coords_unact = reg_branch(output_memory) + output_proposals
    k = min(k, logits.size(1))
    topk = torch.topk(logits.max(-1)[0], k=k, dim=1)[1]
    scores = torch.gather(logits, 1,
                          topk.unsqueeze(-1).expand(-1, -1, logits.size(-1)))
    coords_unact = torch.gather(coords_unact, 1,
                                topk.unsqueeze(-1).expand(-1, -1, 4))
    return scores, coords_unact.sigmoid(), coords_unact.detach()
