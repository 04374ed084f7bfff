"""Sinusoidal encoding of scalar values (box coordinates, pairwise box
geometry, positions)."""
from typing import Optional

import torch
from torch import Tensor


def sine_encoding(values: Tensor,
                  num_feats: int,
                  temperature: float,
                  scale: float,
                  out: Optional[Tensor] = None) -> Tensor:
    """Sinusoidal encoding of each value along the last dim.

    Every value gets ``num_feats`` channels: ``num_feats // 2`` frequencies
    ``temperature ** (2t / num_feats)``, each as (sin, cos) side by side.

    Args:
        values (Tensor): (..., k).
        out (Tensor, optional): A contiguous buffer of ``values.numel() *
            num_feats`` elements to write the result into (no concatenation
            copy; what callers that encode in chunks reuse).

    Returns:
        Tensor: (..., k * num_feats).
    """
    t = torch.arange(num_feats // 2, dtype=torch.float32, device=values.device)
    freqs = temperature**(2 * t / num_feats)
    angles = values[..., None] * scale / freqs
    if out is None:
        out = angles.new_empty(*angles.shape, 2)
    else:
        out = out.view(*angles.shape, 2)
    torch.sin(angles, out=out[..., 0])
    torch.cos(angles, out=out[..., 1])
    return out.flatten(-3)
