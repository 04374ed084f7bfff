"""Position relation of Relation-DETR: the attention bias from the relative
geometry of two box sets.

Hou et al., `Relation DETR: Exploring Explicit Position Relation Prior for
Object Detection <https://arxiv.org/abs/2407.11699>`_ (ECCV 2024), §3.2.

Two paths compute the same numbers up to float rounding
(``tests/relation_detr``):

* ``'reference'``: the formula as written, on the whole (bs, n, m, 64)
  embedding (and, when training, keeps it for the projection's gradient);
* ``'chunked'`` (default): the same computation a few rows of box pairs at
  a time, never holding the (bs, n, m, 64) embedding: the forward keeps
  only the (bs, heads, n, m) bias, the backward recomputes each chunk's
  embedding for the projection's weight gradient (or keeps it when all
  pairs fit in one chunk, as at toy sizes). Each chunk is laid out
  channels-first, sines before cosines, so that every elementwise
  operation writes contiguous memory; the values per element are the
  reference's, the projection sums them in another order (rounding).
"""
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from projects.common.models import sine_encoding, sine_frequencies


def box_relation_encoding(src_boxes: Tensor, tgt_boxes: Tensor,
                          eps: float = 1e-5) -> Tensor:
    """Pairwise geometry of two box sets (normalised cx, cy, w, h).

    For source i and target j: ``log(|dx| / w_i + 1)``, ``log(|dy| / h_i +
    1)``, ``log(w_i / w_j)``, ``log(h_i / h_j)`` (with ``eps`` added to the
    sizes).

    Args:
        src_boxes (Tensor): (bs, n, 4).
        tgt_boxes (Tensor): (bs, m, 4).

    Returns:
        Tensor: (bs, n, m, 4).
    """
    return torch.cat(box_relation_terms(
        src_boxes[..., None, :2], src_boxes[..., None, 2:],
        tgt_boxes[..., None, :, :2], tgt_boxes[..., None, :, 2:], eps), -1)


def box_relation_terms(src_xy: Tensor, src_wh: Tensor, tgt_xy: Tensor,
                       tgt_wh: Tensor, eps: float = 1e-5):
    """The two halves of :func:`box_relation_encoding` from centres and
    sizes already broadcast against each other (any layout):
    ``log(|src_xy - tgt_xy| / (src_wh + eps) + 1)`` and
    ``log((src_wh + eps) / (tgt_wh + eps))``."""
    delta_xy = torch.log((src_xy - tgt_xy).abs() / (src_wh + eps) + 1.0)
    delta_wh = torch.log((src_wh + eps) / (tgt_wh + eps))
    return delta_xy, delta_wh


class _ChunkedRelationProjection(torch.autograd.Function):
    """``conv1x1(sine(box_relation_encoding(src, tgt)))`` in row chunks.

    Returns the (bs, heads, n, m) projection before the ReLU. Gradients
    reach ``weight`` and ``bias`` only (the boxes are constants, as in the
    reference path). Each chunk's embedding is laid out channels-first with
    all sines before all cosines (:func:`_chunk_embedding`), so ``weight``
    is permuted to that channel order here and its gradient back.
    """

    @staticmethod
    def forward(ctx, src_boxes, tgt_boxes, weight, bias, embed_dims,
                temperature, scale, rows_per_chunk):
        bs, n, m = src_boxes.size(0), src_boxes.size(1), tgt_boxes.size(1)
        heads = weight.size(0)
        weight = _to_blocked(weight, embed_dims)
        rows_per_chunk = min(rows_per_chunk, n)
        out = weight.new_empty(bs, heads, n, m)
        buffer = weight.new_empty(bs * rows_per_chunk * m * 4 * embed_dims)
        for start in range(0, n, rows_per_chunk):
            stop = min(start + rows_per_chunk, n)
            embed = _chunk_embedding(src_boxes, tgt_boxes, start, stop,
                                     embed_dims, temperature, scale, buffer)
            # (heads, 4d) x (bs, 4d, rows * m) + bias -> (bs, heads, rows*m)
            projected = torch.baddbmm(
                bias.view(1, heads, 1).expand(bs, heads, embed.size(2)),
                weight.expand(bs, heads, weight.size(1)), embed)
            out[:, :, start:stop] = projected.view(bs, heads, stop - start, m)
        # one chunk (small box sets): keep its embedding (at most one
        # chunk's memory) for the backward instead of computing it again
        kept = (embed, ) if rows_per_chunk == n else ()
        ctx.save_for_backward(src_boxes, tgt_boxes, *kept)
        ctx.config = (embed_dims, temperature, scale, rows_per_chunk)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        src_boxes, tgt_boxes, *kept = ctx.saved_tensors
        embed_dims, temperature, scale, rows_per_chunk = ctx.config
        bs, heads, n, m = grad_out.shape
        grad_weight = grad_out.new_zeros(heads, 4 * embed_dims)
        if not kept:
            buffer = grad_out.new_empty(bs * rows_per_chunk * m * 4 *
                                        embed_dims)
        for start in range(0, n, rows_per_chunk):
            stop = min(start + rows_per_chunk, n)
            embed = kept[0] if kept else _chunk_embedding(
                src_boxes, tgt_boxes, start, stop, embed_dims, temperature,
                scale, buffer)
            grad = grad_out[:, :, start:stop].reshape(bs, heads, -1)
            grad_weight += torch.bmm(grad, embed.transpose(1, 2)).sum(0)
        grad_bias = grad_out.sum((0, 2, 3))
        return (None, None, _from_blocked(grad_weight, embed_dims), grad_bias,
                None, None, None, None)


def _to_blocked(weight: Tensor, embed_dims: int) -> Tensor:
    """(heads, 4 * d) weight from the official channel order (term,
    frequency, sin|cos) to the chunks' order (sin|cos, term, frequency)."""
    heads = weight.size(0)
    return weight.view(heads, 4, embed_dims // 2, 2).permute(
        0, 3, 1, 2).reshape(heads, 4 * embed_dims)


def _from_blocked(weight: Tensor, embed_dims: int) -> Tensor:
    """Inverse of :func:`_to_blocked`."""
    heads = weight.size(0)
    return weight.view(heads, 2, 4, embed_dims // 2).permute(
        0, 2, 3, 1).reshape(heads, 4 * embed_dims)


def _chunk_embedding(src_boxes: Tensor, tgt_boxes: Tensor, start: int,
                     stop: int, embed_dims: int, temperature: float,
                     scale: float, buffer: Tensor) -> Tensor:
    """Sine embedding of the pairs of source rows ``start:stop`` with every
    target, written into ``buffer``: (bs, 4 * embed_dims, rows * m),
    channels (sin|cos, term, frequency).

    Every value is the one :func:`box_relation_encoding` and
    :func:`sine_encoding` compute (the same operations on the same
    numbers); only the layout differs. Channels-first with the sines and the
    cosines in two blocks, every elementwise operation writes contiguous
    memory: ``sin`` / ``cos`` into the interleaved (..., sin|cos) layout
    were about 3x slower on CPU (strided output).
    """
    bs, m = src_boxes.size(0), tgt_boxes.size(1)
    rows, half = stop - start, embed_dims // 2
    pairs = rows * m
    # (bs, 4, rows, m): dx, dy, dw, dh terms of box_relation_encoding
    src = src_boxes[:, start:stop].transpose(1, 2)[..., None]
    tgt = tgt_boxes.transpose(1, 2)[:, :, None]
    geometry = torch.cat(box_relation_terms(src[:, :2], src[:, 2:],
                                            tgt[:, :2], tgt[:, 2:]), 1)
    embed = buffer[:bs * 4 * embed_dims * pairs].view(bs, 2, 4, half, pairs)
    freqs = sine_frequencies(embed_dims, temperature, buffer.device)
    angles = embed[:, 1]  # the cosine block holds the angles first
    torch.div(geometry.view(bs, 4, 1, pairs) * scale, freqs[:, None],
              out=angles)
    torch.sin(angles, out=embed[:, 0])
    angles.cos_()
    return embed.view(bs, 4 * embed_dims, pairs)


class PositionRelationEmbedding(nn.Module):
    """Attention bias from the relative geometry of two box sets.

    Relation-DETR §3.2: the pairwise encoding of
    :func:`box_relation_encoding`, embedded by :func:`sine_encoding` (no
    gradient), projected per head by a 1x1 convolution with ReLU.

    Args:
        embed_dims (int): Channels per geometric term. Defaults to 16.
        num_heads (int): Attention heads, one bias map each. Defaults to 8.
        temperature (float): Sine temperature. Defaults to 10000.
        scale (float): Multiplier of the geometric terms. Defaults to 100.
        impl (str): ``'chunked'`` (default) or ``'reference'``; see the
            module docstring. Both compute the same numbers.
        chunk_pairs (int): Box pairs (over the batch) per chunk of the
            chunked path (16 MiB of embedding per chunk with the default
            16 x 4 channels). Defaults to 65536.
    """

    def __init__(self,
                 embed_dims: int = 16,
                 num_heads: int = 8,
                 temperature: float = 10000.,
                 scale: float = 100.,
                 impl: str = 'chunked',
                 chunk_pairs: int = 65536) -> None:
        super().__init__()
        if impl not in ('chunked', 'reference'):
            raise ValueError(f"impl must be 'chunked' or 'reference', got "
                             f'{impl!r}')
        self.embed_dims = embed_dims
        self.temperature = temperature
        self.scale = scale
        self.impl = impl
        self.chunk_pairs = chunk_pairs
        # Sequential keeps the official key names (pos_proj.0.*)
        self.pos_proj = nn.Sequential(
            nn.Conv2d(embed_dims * 4, num_heads, kernel_size=1),
            nn.ReLU(inplace=True))

    def forward(self, src_boxes: Tensor, tgt_boxes: Tensor) -> Tensor:
        """(bs, n, 4), (bs, m, 4) -> (bs, num_heads, n, m) non-negative."""
        conv, activation = self.pos_proj
        src_boxes, tgt_boxes = src_boxes.detach(), tgt_boxes.detach()
        # tracing (ONNX export) takes the reference path: the chunked one
        # writes into views of fresh buffers, which a traced graph loses
        if self.impl == 'reference' or torch.jit.is_tracing():
            with torch.no_grad():
                embed = sine_encoding(
                    box_relation_encoding(src_boxes, tgt_boxes),
                    self.embed_dims, self.temperature, self.scale)
            # the 1x1 convolution as a linear map on the channels-last
            # embedding (the same result without transposing it)
            bias = F.linear(embed, conv.weight.flatten(1), conv.bias)
            return activation(bias.permute(0, 3, 1, 2))
        bs, m = src_boxes.size(0), tgt_boxes.size(1)
        rows = max(1, self.chunk_pairs // max(1, bs * m))
        bias = _ChunkedRelationProjection.apply(
            src_boxes, tgt_boxes, conv.weight.flatten(1), conv.bias,
            self.embed_dims, self.temperature, self.scale, rows)
        return activation(bias)
