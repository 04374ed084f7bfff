"""Building blocks of OAT (Fang et al., ECCV 2024): the crop encoder, the
grid position lookup, the temporal sine encoding and the pointer read-out.

Facts follow the official ``src/model/models.py`` (HKUST-NISL/oat_eccv24,
0c48c3e): ``CNNEmbedding`` with ``spp=0``, ``calculate3DPositional_learned``,
``PositionalEncoding`` and ``Cross_Attention`` with ``CA_version=3``.
"""
import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


def _conv_out(size: int, kernel: int, pool: int) -> int:
    return (size - kernel + 1) // pool


class CropEncoder(nn.Module):
    """A small CNN over each object crop, trained from scratch.

    conv 5x5 (3 -> 16), ReLU, max-pool 5; conv 3x3 (16 -> 32), ReLU,
    max-pool 3; flatten; linear to ``out_dims``. For the official 150 x 93
    crops the flattened size is 32 x 9 x 5 = 1440.

    Args:
        out_dims (int): output width (half of the model width, 256).
        crop_size (tuple[int, int]): (height, width) of the crops.
    """

    def __init__(self, out_dims: int = 256,
                 crop_size: Sequence[int] = (150, 93)):
        super().__init__()
        h, w = crop_size
        fh, fw = _conv_out(_conv_out(h, 5, 5), 3, 3), \
            _conv_out(_conv_out(w, 5, 5), 3, 3)
        if fh < 1 or fw < 1:
            raise ValueError(f'CropEncoder: crop_size {tuple(crop_size)} is '
                             f'too small; (height, width) must be at least '
                             f'(29, 29)')
        self.conv1 = nn.Conv2d(3, 16, 5)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc = nn.Linear(32 * fh * fw, out_dims)

    def forward(self, crops: Tensor) -> Tensor:
        """(n, 3, H, W) -> (n, out_dims)."""
        # oneDNN's convolutions run about 1.5x faster (forward + backward)
        # on channels-last input; the values are the same
        crops = crops.contiguous(memory_format=torch.channels_last)
        x = F.max_pool2d(F.relu(self.conv1(crops)), 5)
        x = F.max_pool2d(F.relu(self.conv2(x)), 3)
        return self.fc(x.flatten(1))


class GridPositionEncoding(nn.Module):
    """OAT's object position: rows ``row``, ``col`` and ``flag`` of one
    fitted table, concatenated and cut to ``out_dims``.

    ``flag`` is 1 for the target (the extra encoder token, and fixations on
    the target object) and 0 otherwise, so it reads row 0 or 1 of the same
    table. Four zero rows are appended, as the official model does, so the
    indices ``size .. size + 3`` are valid and encode nothing.

    Args:
        table (Tensor): the fitted ``size x dims`` table.
        out_dims (int): output width (256); at most ``3 * dims``.
    """

    def __init__(self, table: Tensor, out_dims: int = 256):
        super().__init__()
        table = torch.as_tensor(table, dtype=torch.float32)
        if 3 * table.shape[1] < out_dims:
            raise ValueError(f'GridPositionEncoding: 3 x {table.shape[1]} '
                             f'table columns cannot fill {out_dims} dims')
        self.size = table.shape[0]
        self.out_dims = out_dims
        self.register_buffer(
            'table', torch.cat([table, table.new_zeros(4, table.shape[1])]))

    def forward(self, rows: Tensor, cols: Tensor, flags: Tensor) -> Tensor:
        """Integer tensors of one shape -> that shape + (out_dims,)."""
        top = int(max(rows.max(), cols.max())) if rows.numel() else 0
        if top >= self.table.shape[0]:
            raise ValueError(
                f'GridPositionEncoding: grid index {top} is outside the '
                f'position table ({self.size} rows + 4 blank ones); fit a '
                f'table of size >= max(rows, cols) of the layout '
                f'(tools/misc/fit_oat_pe.py, or pe_table=dict(size=...))')
        parts = (self.table[rows], self.table[cols], self.table[flags])
        return torch.cat(parts, dim=-1)[..., :self.out_dims]


def sine_sequence_encoding(length: int, dims: int) -> Tensor:
    """The 1-D sine encoding of the decoder tokens (base 10000): even
    channels sin(t w_k), odd channels cos(t w_k), w_k = 10000^(-2k/dims)."""
    freqs = torch.exp(-torch.arange(0, dims, 2) * math.log(10000) / dims)
    angles = torch.arange(length)[:, None] * freqs[None]
    enc = torch.zeros(length, dims)
    enc[:, 0::2] = torch.sin(angles)
    enc[:, 1::2] = torch.cos(angles)
    return enc


class PointerReadout(nn.Module):
    """OAT's object attention read-out: for each head h,
    ``(W_e^h m_j) . (W_d^h d_t) / sqrt(key_dims)`` over the encoder tokens
    j (the objects and the target token), plus a constant 0 for the PAD
    slot; a linear layer (with bias) mixes the heads.

    Returns logits of shape (B, T, N + 2): objects, then the target token
    (= end of search), then PAD.
    """

    def __init__(self, embed_dims: int = 512, num_heads: int = 2,
                 key_dims: int = 512):
        super().__init__()
        self.key_dims = key_dims
        self.encoder_fcs = nn.ModuleList(
            nn.Linear(embed_dims, embed_dims) for _ in range(num_heads))
        self.decoder_fcs = nn.ModuleList(
            nn.Linear(embed_dims, embed_dims) for _ in range(num_heads))
        # OAT skips the mixing layer for a single head
        self.mix = nn.Linear(num_heads, 1) if num_heads > 1 else None

    def forward(self, memory: Tensor, queries: Tensor) -> Tensor:
        """memory (B, N+1, C), queries (B, T, C) -> (B, T, N+2)."""
        heads = []
        for enc_fc, dec_fc in zip(self.encoder_fcs, self.decoder_fcs):
            scores = dec_fc(queries) @ enc_fc(memory).transpose(1, 2)
            heads.append(F.pad(scores, (0, 1)) / self.key_dims**0.5)
        if self.mix is None:
            return heads[0]
        return self.mix(torch.stack(heads, dim=-1)).squeeze(-1)
