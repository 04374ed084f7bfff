"""Foreground Token Selector (FTS) of Focus-DETR.

Zheng et al., `Less is More: Focus Attention for Efficient DETR
<https://arxiv.org/abs/2307.12612>`_ (ICCV 2023), Sec. 3.2; the code
followed is detrex ``projects/focus_detr`` (``FOCUS_DETRTransformer``,
``MaskPredictor``). Every token of the multi-scale map gets a foreground
logit, computed coarse to fine so that each level's score map modulates the
next finer level; the encoder then updates only a cascade of the
best-scoring tokens.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: share of the valid tokens kept for the first encoder layer
FOCUS_RHO = 0.5
#: keep ratio of each encoder layer, relative to the first layer's count
CASCADE = (1.0, 0.8, 0.6, 0.6, 0.4, 0.2)


class ForegroundScorePredictor(nn.Module):
    """One foreground logit per token (detrex ``MaskPredictor``).

    LayerNorm -> Linear -> GELU; the second half of the channels is replaced
    by its mean over all the tokens given (one level of one image, padding
    included), then Linear -> GELU -> Linear -> GELU -> Linear to a logit.

    Args:
        in_dims (int): Token channels.
        hidden_dims (int): Width of the first layer (halved twice after).
    """

    def __init__(self, in_dims: int = 256, hidden_dims: int = 256) -> None:
        super().__init__()
        self.hidden_dims = hidden_dims
        self.layer1 = nn.Sequential(
            nn.LayerNorm(in_dims), nn.Linear(in_dims, hidden_dims), nn.GELU())
        self.layer2 = nn.Sequential(
            nn.Linear(hidden_dims, hidden_dims // 2), nn.GELU(),
            nn.Linear(hidden_dims // 2, hidden_dims // 4), nn.GELU(),
            nn.Linear(hidden_dims // 4, 1))

    def forward(self, tokens: Tensor) -> Tensor:
        """(bs, n, in_dims) tokens of one level -> (bs, n) logits."""
        hidden = self.layer1(tokens)
        local, context = hidden.split(self.hidden_dims // 2, dim=-1)
        context = context.mean(dim=1, keepdim=True).expand_as(local)
        return self.layer2(torch.cat([local, context], -1)).squeeze(-1)


class ForegroundTokenSelector(nn.Module):
    """Scores the tokens with top-down modulation and picks the cascade of
    index sets of the encoder layers.

    Args:
        embed_dims (int): Token channels.
        num_levels (int): Feature levels (the coarsest one starts).
        rho (float): Share of the valid tokens of each image that the first
            encoder layer updates (``floor(rho * valid) + 1``).
        cascade (Sequence[float]): Keep ratio of each encoder layer,
            relative to the largest first-layer count of the batch.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_levels: int = 4,
                 rho: float = FOCUS_RHO,
                 cascade: Sequence[float] = CASCADE) -> None:
        super().__init__()
        self.num_levels = num_levels
        self.rho = rho
        self.cascade = tuple(cascade)
        self.predictor = ForegroundScorePredictor(embed_dims, embed_dims)
        # modulation weight of levels num_levels-2 .. 0 (coarse to fine)
        self.alpha = nn.Parameter(torch.empty(num_levels - 1))
        self.init_weights()

    def init_weights(self) -> None:
        """Official initialisation: alpha ~ U(-0.3, 0.3); Linear weights
        xavier-uniform (biases and LayerNorm as PyTorch makes them)."""
        nn.init.uniform_(self.alpha, -0.3, 0.3)
        for layer in self.predictor.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)

    def scores(self, tokens: Tensor, spatial_shapes: Tensor) -> Tensor:
        """Foreground logits of every token.

        Level ``num_levels - 1`` is scored first; each finer level ``l``
        is then modulated by the previous (coarser) logit map, upsampled
        bilinearly with aligned corners: ``m + m * up(s) * alpha[L-2-l]``,
        and scored.

        Args:
            tokens (Tensor): (bs, num_tokens, dims), flattened level by
                level (finest first), as the proposal projection of the
                encoder input gives them.
            spatial_shapes (Tensor): (num_levels, 2), (h, w) per level.

        Returns:
            Tensor: (bs, num_tokens) raw logits in the tokens' order.
        """
        bs, _, dims = tokens.shape
        shapes = [(int(h), int(w)) for h, w in spatial_shapes]
        levels = tokens.split([h * w for h, w in shapes], dim=1)
        scores: List[Optional[Tensor]] = [None] * self.num_levels
        coarser = None
        for lvl in reversed(range(self.num_levels)):
            h, w = shapes[lvl]
            level = levels[lvl]
            if coarser is not None:
                up = F.interpolate(coarser, size=(h, w), mode='bilinear',
                                   align_corners=True)
                up = up.flatten(2).transpose(1, 2)  # (bs, h * w, 1)
                level = level + level * up * self.alpha[
                    self.num_levels - 2 - lvl]
            scores[lvl] = self.predictor(level)
            coarser = scores[lvl].view(bs, 1, h, w)
        return torch.cat(scores, 1)

    def select(self, scores: Tensor, padding_mask: Optional[Tensor]
               ) -> Tuple[Tensor, List[Tensor], Tensor]:
        """The index set of every encoder layer.

        Padded tokens take the batch's smallest logit; each image keeps
        ``focus_num = floor(rho * valid) + 1`` tokens; layer ``l`` takes
        the top ``floor(cascade[l] * max(focus_num))`` tokens by logit, so
        the sets are nested (one score for all layers).

        Args:
            scores (Tensor): (bs, num_tokens) logits of :meth:`scores`.
            padding_mask (Tensor, optional): (bs, num_tokens), True on
                padding; None when no image of the batch is padded.

        Returns:
            tuple: the filled scores (bs, num_tokens), the index sets (one
            (bs, K_l) tensor per layer, best first) and ``focus_num`` (bs,)
            (the encoder writes back at most that many tokens per image).
        """
        scores = scores.detach()
        num_tokens = scores.size(1)
        if padding_mask is None:
            valid = scores.new_full((scores.size(0), ), num_tokens,
                                    dtype=torch.long)
        else:
            valid = (~padding_mask).sum(1)
            scores = scores.masked_fill(padding_mask, scores.min())
        focus_num = (valid * self.rho).int() + 1
        # float32 product, truncated, as officially
        counts = (torch.tensor(self.cascade, dtype=torch.float32) *
                  int(focus_num.max())).int().tolist()
        # one top-k per layer (not prefixes of one): equal up to ties,
        # and the official tie order among the padded tokens
        index_sets = [scores.topk(min(k, num_tokens), dim=1)[1]
                      for k in counts]
        return scores, index_sets, focus_num
