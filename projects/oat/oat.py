"""OAT: Object-level Attention Transformer for gaze scanpath prediction.

Fang et al., "Object-Level Attention Transformer for Gaze Scanpath
Prediction", ECCV 2024. The model predicts the sequence of objects a person
fixates while searching a scene for a target.

Every object is a token ``[CropEncoder(crop) (256), grid position (256)]``;
the target is one more encoder token (its crop, its position, flag 1).
Four post-LN encoder layers read the N + 1 tokens. The decoder reads
``[BOS, f_1, ..., f_T]`` (BOS: a blank crop at the display centre) plus a
1-D sine encoding, under a causal mask. A two-head pointer read-out scores
the N + 1 encoder tokens and a PAD slot: pointing at the target token ends
the search. Facts follow the official ``transformerLightning.py`` and
``models.py`` (HKUST-NISL/oat_eccv24, 0c48c3e).
"""
from functools import lru_cache
from typing import Dict, List, Optional, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmdet.registry import MODELS
from ._layers import (CropEncoder, GridPositionEncoding, PointerReadout,
                      sine_sequence_encoding)
from .data_preprocessor import PAD
from .positional_table import fit_positional_table


def load_positional_table(cfg: Union[dict, str, np.ndarray]) -> np.ndarray:
    """A table from ``dict(file=...npy)``, from ``dict(size=..., sigma=...,
    steps=..., seed=...)`` (fitted now, deterministically) or an array."""
    if isinstance(cfg, np.ndarray):
        return cfg
    if isinstance(cfg, str):
        cfg = dict(file=cfg)
    cfg = dict(cfg)
    if 'file' in cfg:
        path = cfg.pop('file')
        try:
            table = np.load(path)
        except OSError as err:
            raise FileNotFoundError(
                f'OAT: pe_table file {path!r} cannot be read ({err}); '
                f'write it with tools/misc/fit_oat_pe.py, or give '
                f'pe_table=dict(size=...) to fit it at build time') from err
        if table.ndim != 2:
            raise ValueError(f'OAT: pe_table file {path!r} holds an array of '
                             f'shape {table.shape}; expected (size, dims)')
        return table
    return _fitted_table(tuple(sorted(cfg.items()))).copy()


@lru_cache(maxsize=8)
def _fitted_table(args: tuple) -> np.ndarray:
    """Fitting takes seconds; a process fits each table once."""
    return fit_positional_table(**dict(args))


@MODELS.register_module()
class OAT(BaseModel):
    """Object-level Attention Transformer (ECCV 2024).

    Args:
        embed_dims (int): token width; half crop feature, half position.
        num_heads (int): attention heads of the transformer layers.
        ffn_dims (int): feed-forward width.
        num_encoder_layers, num_decoder_layers (int): 4 and 4 in OAT.
        dropout (float): dropout of the layers and the sine encoding.
        crop_size (tuple): (height, width) of the object crops (150, 93).
        pe_table (dict | str): the grid position table; see
            :func:`load_positional_table`. It is kept as a buffer, so a
            checkpoint carries it.
        pointer_heads (int): heads of the read-out (2 in OAT).
        pointer_dims (int): the scale sqrt(pointer_dims) (512 in OAT).
        max_len (int, optional): the longest predicted scanpath; OAT uses
            the longest training scanpath. ``None``: :class:`ScanpathLengthHook`
            sets it from the training split when training starts. It is kept
            in the checkpoint.
        test_cfg (dict): ``mode='greedy'`` (argmax each step) or
            ``'sample'`` (``num_samples`` draws from the softmax each).
    """

    def __init__(self,
                 embed_dims: int = 512,
                 num_heads: int = 4,
                 ffn_dims: int = 512,
                 num_encoder_layers: int = 4,
                 num_decoder_layers: int = 4,
                 dropout: float = 0.1,
                 crop_size=(150, 93),
                 pe_table: Union[dict, str] = dict(size=14),
                 pointer_heads: int = 2,
                 pointer_dims: int = 512,
                 max_len: Optional[int] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='ScanpathDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        half = embed_dims // 2
        self.embed_dims = embed_dims
        self.crop_size = tuple(crop_size)
        self.register_buffer('_max_len', torch.tensor(max_len or 0))
        self.test_cfg = dict(dict(mode='greedy', num_samples=1),
                             **(test_cfg or {}))
        if self.test_cfg['mode'] not in ('greedy', 'sample'):
            raise ValueError(f"OAT: test_cfg.mode must be 'greedy' or "
                             f"'sample', got {self.test_cfg['mode']!r}")
        self.crop_encoder = CropEncoder(half, crop_size)
        self.position = GridPositionEncoding(
            torch.from_numpy(load_positional_table(pe_table)), half)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(embed_dims, num_heads, ffn_dims,
                                       dropout),
            num_encoder_layers, enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(embed_dims, num_heads, ffn_dims,
                                       dropout),
            num_decoder_layers)
        self.time_dropout = nn.Dropout(dropout)
        self.register_buffer('time_encoding',
                             sine_sequence_encoding(1024, embed_dims), False)
        self.pointer = PointerReadout(embed_dims, pointer_heads,
                                      pointer_dims)

    @property
    def max_len(self) -> Optional[int]:
        return int(self._max_len) or None

    @max_len.setter
    def max_len(self, value: int) -> None:
        self._max_len.fill_(int(value))

    def init_weights(self):
        """Xavier-uniform for every weight of dim > 1, as OAT."""
        super().init_weights()
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    # ------------------------------------------------------------ tokens
    def encode(self, inputs: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Object features, the encoder memory and what decoding needs."""
        crops, valid = inputs['crops'], inputs['valid']
        pos, target = inputs['positions'], inputs['target']
        b, n = valid.shape
        feats = self.crop_encoder(crops.flatten(0, 1)).view(b, n, -1)
        zeros = torch.zeros_like(pos[..., 0])
        obj = torch.cat([feats, self.position(pos[..., 0], pos[..., 1],
                                              zeros)], -1)
        idx = torch.arange(b, device=valid.device)
        tpos = pos[idx, target]
        tgt_token = torch.cat([
            feats[idx, target],
            self.position(tpos[:, 0], tpos[:, 1], torch.ones_like(target))
        ], -1)
        tokens = torch.cat([obj, tgt_token[:, None]], 1)
        pad = torch.cat([~valid, valid.new_zeros(b, 1)], 1)
        # sequence-first, as OAT: the same attention kernels (PyTorch's
        # fused batch-first inference path rounds differently, ~1e-5)
        memory = self.encoder(tokens.transpose(0, 1),
                              src_key_padding_mask=pad).transpose(0, 1)
        # the BOS token: a blank crop (ones, as the official collator) at
        # grid (rows // 2, cols // 2), flag 0
        blank = crops.new_ones((1, 3) + tuple(crops.shape[-2:]))
        layout = inputs['layout']
        bos = torch.cat([
            self.crop_encoder(blank).expand(b, -1),
            self.position(layout[:, 0] // 2, layout[:, 1] // 2, zeros[:, 0])
        ], -1)
        return dict(memory=memory, memory_pad=pad, feats=feats, bos=bos,
                    positions=pos, target=target, valid=valid)

    def decode(self, enc: Dict[str, Tensor], seq: Tensor) -> Tensor:
        """Logits (B, T+1, N+2) of the next object after BOS and each
        prefix of ``seq`` (B, T; object indices, -1 = padding)."""
        b, t = seq.shape
        if t + 1 > len(self.time_encoding):
            raise ValueError(f'OAT: {t} fixations exceed the '
                             f'{len(self.time_encoding) - 1} that the time '
                             f'encoding covers')
        idx = torch.arange(b, device=seq.device)[:, None]
        safe = seq.clamp(min=0)
        pos = enc['positions'][idx, safe]
        flags = (seq == enc['target'][:, None]).long()
        fix = torch.cat([enc['feats'][idx, safe],
                         self.position(pos[..., 0], pos[..., 1], flags)], -1)
        tokens = torch.cat([enc['bos'][:, None], fix], 1)
        tokens = self.time_dropout(tokens + self.time_encoding[:t + 1])
        pad = torch.cat([seq.new_zeros(b, 1, dtype=torch.bool),
                         seq == PAD], 1)
        causal = torch.ones(t + 1, t + 1, dtype=torch.bool,
                            device=seq.device).triu(1)
        out = self.decoder(tokens.transpose(0, 1),
                           enc['memory'].transpose(0, 1), tgt_mask=causal,
                           tgt_key_padding_mask=pad,
                           memory_key_padding_mask=enc['memory_pad']
                           ).transpose(0, 1)
        logits = self.pointer(enc['memory'], out)
        # objects that only pad the batch can never be chosen. (OAT's
        # batches have one layout each, so it needs no such mask.)
        invalid = F.pad(~enc['valid'], (0, 2))[:, None]
        return logits.masked_fill(invalid, float('-inf'))

    # ------------------------------------------------------------- modes
    def loss(self, inputs: Dict[str, Tensor],
             data_samples: List) -> Dict[str, Tensor]:
        """Cross-entropy over the N + 2 slots of every step; the sequence
        target is ``[f_1, ..., f_T, end]``, padding ignored."""
        seq = inputs['scanpath']
        if seq.shape[1] == 0:
            raise ValueError('OAT.loss: the batch has no gt_scanpath')
        enc = self.encode(inputs)
        logits = self.decode(enc, seq)
        n = enc['valid'].shape[1]
        lengths = (seq != PAD).sum(1)
        labels = F.pad(seq, (0, 1), value=PAD)
        labels[torch.arange(len(seq)), lengths] = n  # the end token
        labels = labels.masked_fill(labels == PAD, -100)
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(),
                               ignore_index=-100)
        return dict(loss_scanpath=loss)

    @torch.no_grad()
    def generate(self, inputs: Dict[str, Tensor], mode: str = 'greedy',
                 max_len: Optional[int] = None,
                 generator: Optional[torch.Generator] = None
                 ) -> List[List[int]]:
        """Predict one scanpath per sample, as OAT's test loop: the first
        step cannot end; afterwards the search ends when the target token
        is chosen; at most ``max_len`` fixations. Sampling draws from the
        softmax over the allowed slots."""
        max_len = self.max_len if max_len is None else max_len
        if not max_len:
            raise ValueError(
                'OAT: max_len is not set; give model.max_len (OAT: the '
                'longest training scanpath) or train with '
                'ScanpathLengthHook, which sets it from the training split')
        enc = self.encode(inputs)
        b, n = enc['valid'].shape
        end = n
        seq = enc['valid'].new_zeros((b, 0), dtype=torch.long)
        done = torch.zeros(b, dtype=torch.bool, device=seq.device)
        for step in range(max_len):
            logits = self.decode(enc, seq)[:, -1].clone()
            logits[:, end + 1] = float('-inf')  # PAD slot
            if step == 0:
                logits[:, end] = float('-inf')
            if mode == 'greedy':
                choice = logits.argmax(-1)
            else:
                choice = torch.multinomial(logits.softmax(-1), 1,
                                           generator=generator)[:, 0]
            done = done | (choice == end)
            seq = torch.cat([seq, choice.masked_fill(done, PAD)[:, None]],
                            1)
            if bool(done.all()):
                break
        return [[int(v) for v in row if v != PAD] for row in seq]

    def predict(self, inputs: Dict[str, Tensor], data_samples: List):
        """Fill ``pred_scanpath`` (the greedy path, or the first sample)
        and ``pred_scanpaths`` (all samples) of each data sample."""
        mode, k = self.test_cfg['mode'], int(self.test_cfg['num_samples'])
        if mode == 'greedy':
            paths = [[p] for p in self.generate(inputs, 'greedy')]
        else:
            rep = {key: v.repeat_interleave(k, 0)
                   for key, v in inputs.items()}
            flat = self.generate(rep, 'sample')
            paths = [flat[i * k:(i + 1) * k] for i in range(len(data_samples))]
        for sample, p in zip(data_samples, paths):
            sample.pred_scanpath = p[0]
            sample.pred_scanpaths = p
        return data_samples

    def forward(self, inputs: Dict[str, Tensor], data_samples=None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.decode(self.encode(inputs), inputs['scanpath'])
        raise RuntimeError(f'OAT: invalid mode {mode!r}; expected loss, '
                           f'predict or tensor')
