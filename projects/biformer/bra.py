"""Bi-level routing attention (BRA) of BiFormer.

Zhu et al., "BiFormer: Vision Transformer with Bi-Level Routing Attention",
CVPR 2023 (arXiv:2303.08810).

The numerics are those of the official *legacy* implementation
(``ops/bra_legacy.py`` of rayleizhu/BiFormer), which every released
checkpoint was trained with:

* the NHWC input is zero-padded at the right / bottom *before* the q/k/v
  projection, so padded tokens carry the projection bias, take part in the
  region means and are attended to (no mask); padded query rows are cropped;
* region descriptors are the means of q and k over each region; routing uses
  detached descriptors, keeps the top-k regions and does not re-weight them;
* the attention scale is ``qk_dims ** -0.5`` (the full q/k width, not the
  per-head width);
* the local context enhancement (LCE / LePE) is a 5x5 depthwise conv on the
  whole padded value map, added before the output projection.

Two implementations of the routed token-to-token attention give the same
numbers (``attn_impl``):

``'reference'``
    the official algorithm: gather the k routed regions' keys and values
    into one tensor (k redundant copies of K and V) and run one softmax over
    the k * region_size keys;
``'fast'`` (default)
    visits the routed regions one chunk at a time with an online
    (streaming) softmax, so only ``chunk`` regions' keys and values and
    their logits exist at once; in training its backward recomputes each
    step from the saved row log-sum-exp (as FlashAttention does) instead of
    storing it. The result equals the reference up to floating-point
    rounding; peak memory no longer grows with k.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmdet.registry import MODELS

ATTN_IMPLS = ('fast', 'reference')


def routed_attention_reference(q: Tensor, k: Tensor, v: Tensor,
                               index: Tensor, scale: float) -> Tensor:
    """Routed attention with explicitly gathered keys and values.

    Args:
        q (Tensor): (N, R, T, heads, d) queries, R regions of T tokens.
        k (Tensor): (N, R, T, heads, d) keys.
        v (Tensor): (N, R, T, heads, dv) values.
        index (Tensor): (N, R, topk) routed key regions per query region.
        scale (float): Logit scale applied to q.

    Returns:
        Tensor: (N, R, T, heads, dv).
    """
    n, r, t, m, d = q.shape
    dv = v.shape[-1]
    topk = index.shape[-1]
    kv = torch.cat([k.flatten(3), v.flatten(3)], dim=-1)  # (N, R, T, Ckv)
    ckv = kv.shape[-1]
    # (N, R, topk, T, Ckv): the topk-fold redundant copy of K and V
    kv_sel = torch.gather(
        kv.unsqueeze(1).expand(-1, r, -1, -1, -1), 2,
        index.view(n, r, topk, 1, 1).expand(-1, -1, -1, t, ckv))
    k_sel, v_sel = kv_sel.split([m * d, m * dv], dim=-1)
    k_sel = k_sel.reshape(n * r, topk * t, m, d).permute(0, 2, 3, 1)
    v_sel = v_sel.reshape(n * r, topk * t, m, dv).transpose(1, 2)
    q = q.reshape(n * r, t, m, d).transpose(1, 2)
    attn = ((q * scale) @ k_sel).softmax(dim=-1)  # (NR, m, T, topk*T)
    out = attn @ v_sel  # (NR, m, T, dv)
    return out.transpose(1, 2).reshape(n, r, t, m, dv)


def _gather(kh: Tensor, vh: Tensor, ids: Tensor) -> Tuple[Tensor, Tensor]:
    """Keys and values of the regions ``ids`` (B, c) as (B, m, c*T, d)."""
    b, c = ids.shape
    _, m, t, d = kh.shape
    k_sel = kh[ids.reshape(-1)].view(b, c, m, t, d)
    v_sel = vh[ids.reshape(-1)].view(b, c, m, t, -1)
    if c == 1:
        return k_sel.squeeze(1), v_sel.squeeze(1)
    return (k_sel.transpose(1, 2).reshape(b, m, c * t, d),
            v_sel.transpose(1, 2).reshape(b, m, c * t, -1))


def _scatter_add(grad: Tensor, target: Tensor, ids: Tensor) -> None:
    """Add per-region gradients (B, m, c*T, d) into ``target`` rows ``ids``
    (the inverse of :func:`_gather`)."""
    b, c = ids.shape
    _, m, t, d = target.shape
    if c > 1:
        grad = grad.view(b, m, c, t, d).transpose(1, 2)
    target.index_add_(0, ids.reshape(-1), grad.reshape(b * c, m, t, d))


def _streaming_forward(qh: Tensor, kh: Tensor, vh: Tensor, flat: Tensor,
                       chunk: int) -> Tuple[Tensor, Tensor]:
    """Online-softmax attention over the routed regions.

    Returns the output (B, m, T, dv) and the row log-sum-exp (B, m, T, 1).
    """
    row_max = denom = acc = None
    for start in range(0, flat.shape[1], chunk):
        k_sel, v_sel = _gather(kh, vh, flat[:, start:start + chunk])
        logits = qh @ k_sel.transpose(-1, -2)  # (B, m, T, c*T)
        step_max = logits.amax(dim=-1, keepdim=True)
        new_max = step_max if row_max is None else torch.maximum(
            row_max, step_max)
        # exp_ acts on a fresh temporary, which is autograd-safe
        probs = (logits - new_max).exp_()
        step_sum = probs.sum(dim=-1, keepdim=True)
        if acc is None:
            denom = step_sum
            acc = probs @ v_sel
        else:
            correction = torch.exp(row_max - new_max)
            denom = denom * correction + step_sum
            acc = torch.baddbmm(
                (acc * correction).flatten(0, 1), probs.flatten(0, 1),
                v_sel.flatten(0, 1)).view_as(acc)
        row_max = new_max
    return acc / denom, row_max + denom.log()


class _StreamingRoutedAttention(torch.autograd.Function):
    """Streaming routed attention whose backward recomputes each step's
    logits from the saved log-sum-exp instead of keeping them, so training
    memory does not grow with top-k either (the FlashAttention recipe)."""

    @staticmethod
    def forward(ctx, qh, kh, vh, flat, chunk):
        # inputs arrive in float32 (see routed_attention_streaming); keep
        # autocast out so forward and backward agree on dtypes
        with torch.autocast(device_type=qh.device.type, enabled=False):
            out, lse = _streaming_forward(qh, kh, vh, flat, chunk)
        ctx.save_for_backward(qh, kh, vh, flat, out, lse)
        ctx.chunk = chunk
        return out

    @staticmethod
    def backward(ctx, grad_out):
        qh, kh, vh, flat, out, lse = ctx.saved_tensors
        with torch.autocast(device_type=qh.device.type, enabled=False):
            return _StreamingRoutedAttention._backward(
                ctx, grad_out.to(qh.dtype).contiguous(), qh, kh, vh, flat,
                out, lse)

    @staticmethod
    def _backward(ctx, grad_out, qh, kh, vh, flat, out, lse):
        delta = (grad_out * out).sum(dim=-1, keepdim=True)
        grad_q = torch.zeros_like(qh)
        grad_k = torch.zeros_like(kh)
        grad_v = torch.zeros_like(vh)
        for start in range(0, flat.shape[1], ctx.chunk):
            ids = flat[:, start:start + ctx.chunk]
            k_sel, v_sel = _gather(kh, vh, ids)
            probs = (qh @ k_sel.transpose(-1, -2) - lse).exp_()
            _scatter_add(probs.transpose(-1, -2) @ grad_out, grad_v, ids)
            grad_logits = probs * (grad_out @ v_sel.transpose(-1, -2) -
                                   delta)
            grad_q += grad_logits @ k_sel
            _scatter_add(grad_logits.transpose(-1, -2) @ qh, grad_k, ids)
        return grad_q, grad_k, grad_v, None, None


def routed_attention_streaming(q: Tensor,
                               k: Tensor,
                               v: Tensor,
                               index: Tensor,
                               scale: float,
                               chunk: int = 1) -> Tensor:
    """Routed attention without the topk-fold copy of keys and values.

    The routed regions are visited ``chunk`` at a time; an online softmax
    (running row maximum, running normaliser, rescaled accumulator) makes
    the result equal to one softmax over all routed keys. With gradients,
    the backward pass recomputes each step instead of storing it.

    Args and returns as :func:`routed_attention_reference`, plus
    ``chunk`` (int): routed regions processed per step.
    """
    n, r, t, m, d = q.shape
    dv = v.shape[-1]
    topk = index.shape[-1]
    # heads-first layouts, so every gathered region is a contiguous block
    qh = (q * scale).reshape(n * r, t, m, d).transpose(1, 2).contiguous()
    kh = k.reshape(n * r, t, m, d).transpose(1, 2).contiguous()
    vh = v.reshape(n * r, t, m, dv).transpose(1, 2).contiguous()
    # region indices into the flattened (N * R) axis
    offset = torch.arange(n, device=index.device).view(n, 1, 1) * r
    flat = (index + offset).reshape(n * r, topk)

    if topk <= chunk:
        # One step: PyTorch's fused attention, which does not materialise
        # the (T x topk*T) logits either (q is already scaled).
        k_sel, v_sel = _gather(kh, vh, flat)
        out = F.scaled_dot_product_attention(qh, k_sel, v_sel, scale=1.0)
    else:
        # The online softmax runs in float32 (or float64) whatever the
        # input precision (under AMP q / k / v are half): its running
        # statistics need it, and the custom backward must see one dtype.
        dtype = qh.dtype
        if dtype in (torch.float16, torch.bfloat16):
            qh, kh, vh = qh.float(), kh.float(), vh.float()
        if torch.is_grad_enabled() and (qh.requires_grad or kh.requires_grad
                                        or vh.requires_grad):
            out = _StreamingRoutedAttention.apply(qh, kh, vh, flat, chunk)
        else:
            with torch.autocast(device_type=qh.device.type, enabled=False):
                out = _streaming_forward(qh, kh, vh, flat, chunk)[0]
        out = out.to(dtype)
    return out.transpose(1, 2).reshape(n, r, t, m, dv)


def lepe_conv(embed_dims: int, kernel_size: int) -> Optional[nn.Conv2d]:
    """The depthwise conv of BiFormer's local context enhancement (LCE /
    LePE); None when ``kernel_size`` is 0."""
    if kernel_size <= 0:
        return None
    return nn.Conv2d(
        embed_dims,
        embed_dims,
        kernel_size,
        padding=kernel_size // 2,
        groups=embed_dims)


@MODELS.register_module()
class BiLevelRoutingAttention(BaseModule):
    """Bi-level routing attention on NHWC maps (BiFormer, CVPR 2023).

    The map is split into ``n_win x n_win`` regions. Each region keeps the
    ``topk`` regions whose mean key best matches its mean query (coarse
    routing), then its tokens attend to all tokens of those regions (fine
    attention).

    Args:
        embed_dims (int): Channels C of input, values and output.
        num_heads (int): Attention heads (must divide C and ``qk_dims``).
        n_win (int): Regions per side.
        topk (int): Routed regions per query region; capped at
            ``n_win ** 2`` (all regions).
        qk_dims (int, optional): Width of queries and keys; C by default.
        qk_scale (float, optional): Logit scale; ``qk_dims ** -0.5`` by
            default (the official choice, full width rather than per head).
        side_dwconv (int): Kernel of the LCE depthwise conv on the values;
            0 disables it.
        auto_pad (bool): Pad inputs whose size is not a multiple of
            ``n_win`` (official detection setting). When False such inputs
            raise an error.
        attn_impl (str): ``'fast'`` (streaming, default) or ``'reference'``
            (official gather); same numbers.
        chunk (int): Routed regions per step of the fast path.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int = 8,
                 n_win: int = 7,
                 topk: int = 4,
                 qk_dims: Optional[int] = None,
                 qk_scale: Optional[float] = None,
                 side_dwconv: int = 5,
                 auto_pad: bool = False,
                 attn_impl: str = 'fast',
                 chunk: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.qk_dims = qk_dims or embed_dims
        if self.qk_dims % num_heads or embed_dims % num_heads:
            raise ValueError(
                f'BiLevelRoutingAttention: num_heads={num_heads} must divide '
                f'embed_dims={embed_dims} and qk_dims={self.qk_dims}.')
        if topk < 1:
            raise ValueError(f'BiLevelRoutingAttention: topk must be >= 1, '
                             f'got {topk} (use AttentionLePE for global '
                             f'attention).')
        if attn_impl not in ATTN_IMPLS:
            raise ValueError(f'attn_impl must be one of {ATTN_IMPLS}, got '
                             f'{attn_impl!r}.')
        self.num_heads = num_heads
        self.n_win = n_win
        self.topk = topk
        self.scale = qk_scale or self.qk_dims**-0.5
        self.auto_pad = auto_pad
        self.attn_impl = attn_impl
        self.chunk = max(1, int(chunk))
        # one projection to [q | k | v], as the official QKVLinear
        self.qkv = nn.Linear(embed_dims, 2 * self.qk_dims + embed_dims)
        self.lepe = lepe_conv(embed_dims, side_dwconv)
        self.wo = nn.Linear(embed_dims, embed_dims)

    def route(self, q_region: Tensor, k_region: Tensor) -> Tensor:
        """Top-k key regions per query region (no gradient).

        Args:
            q_region (Tensor): (N, R, qk_dims) mean query per region.
            k_region (Tensor): (N, R, qk_dims) mean key per region.

        Returns:
            Tensor: (N, R, k) region indices, k = min(topk, R).
        """
        logits = (q_region.detach() * self.scale) @ k_region.detach(
        ).transpose(-1, -2)
        topk = min(self.topk, logits.shape[-1])
        return torch.topk(logits, k=topk, dim=-1).indices

    def _pad(self, x: Tensor) -> Tuple[Tensor, int, int]:
        h, w = x.shape[1:3]
        pad_b = (self.n_win - h % self.n_win) % self.n_win
        pad_r = (self.n_win - w % self.n_win) % self.n_win
        if pad_b or pad_r:
            if not self.auto_pad:
                raise ValueError(
                    f'BiLevelRoutingAttention: a {h}x{w} map is not '
                    f'divisible into n_win={self.n_win} regions per side; '
                    f'set auto_pad=True (the official detection setting) '
                    f'or feed sizes that are multiples of '
                    f'{self.n_win} x the stage stride.')
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        return x, pad_b, pad_r

    def forward(self, x: Tensor) -> Tensor:
        """Args: x (Tensor): (N, H, W, C). Returns: (N, H, W, C)."""
        n, h_in, w_in, c = x.shape
        x, pad_b, pad_r = self._pad(x)
        hp, wp = x.shape[1:3]
        s = self.n_win
        rh, rw = hp // s, wp // s
        qkv = self.qkv(x)  # (N, Hp, Wp, 2qk + C)

        v_map = qkv[..., 2 * self.qk_dims:]
        lepe = None
        if self.lepe is not None:
            lepe = self.lepe(v_map.permute(0, 3, 1, 2).contiguous())
            lepe = lepe.permute(0, 2, 3, 1)

        # (N, R, T, Ctot): regions row-major (index = row * n_win + col)
        regions = qkv.view(n, s, rh, s, rw, -1).permute(0, 1, 3, 2, 4, 5)
        regions = regions.reshape(n, s * s, rh * rw, -1)
        q, k, v = regions.split([self.qk_dims, self.qk_dims, c], dim=-1)
        index = self.route(q.mean(dim=2), k.mean(dim=2))

        m = self.num_heads
        heads = (lambda t: t.unflatten(-1, (m, -1)))
        if self.attn_impl == 'reference':
            out = routed_attention_reference(
                heads(q), heads(k), heads(v), index, self.scale)
        else:
            out = routed_attention_streaming(
                heads(q), heads(k), heads(v), index, self.scale, self.chunk)
        # back to (N, Hp, Wp, C)
        out = out.reshape(n, s, s, rh, rw, c).permute(0, 1, 3, 2, 4, 5)
        out = out.reshape(n, hp, wp, c)
        if lepe is not None:
            out = out + lepe
        out = self.wo(out)
        if pad_b or pad_r:
            out = out[:, :h_in, :w_in].contiguous()
        return out

    def extra_repr(self) -> str:
        return (f'n_win={self.n_win}, topk={self.topk}, heads='
                f'{self.num_heads}, scale={self.scale:.4g}, '
                f'attn_impl={self.attn_impl!r}')

