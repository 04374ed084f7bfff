"""Key rules from the official OAT checkpoints (HKUST-NISL/oat_eccv24) to
:class:`projects.oat.OAT`.

The official checkpoint is a PyTorch-Lightning file: ``state_dict`` holds
the ``Seq2SeqTransformer`` under ``model.``. Its position table is not in
it: the official model reads it from a ``.npy`` file (e.g.
``src/model/amazon_learned_random_PE.npy``) at build time, so the
converter takes that file too. ``generator`` and ``LinearEmbedding`` are
built but unused with the pointer read-out (``CA_version=3``), and the
1-D sine table is recomputed here; those keys are dropped.
"""
from typing import Dict, List, Optional

import numpy as np
import torch

from projects.common.utils.checkpoint_convert import Conversion
from projects.common.utils.key_rules import Rule, apply_key_rules

#: official keys left out on purpose
DROPPED = (r'model\.(generator|LinearEmbedding)\.(weight|bias)',
           r'model\.onedpositional_encoding\.pos_embedding')


def _rules() -> List[Rule]:
    return [
        (r'model\.cnn_embedding\.cnn([12])\.0\.(weight|bias)',
         lambda m: f'crop_encoder.conv{m[1]}.{m[2]}', False),
        (r'model\.cnn_embedding\.fc\.(weight|bias)',
         lambda m: f'crop_encoder.fc.{m[1]}', False),
        (r'model\.transformer_(encoder|decoder)\.layers\.(.+)',
         lambda m: f'{m[1]}.layers.{m[2]}', False),
        (r'model\.cross_attentions\.(\d+)\.encode_fc\.(weight|bias)',
         lambda m: f'pointer.encoder_fcs.{m[1]}.{m[2]}', False),
        (r'model\.cross_attentions\.(\d+)\.decode_fc\.(weight|bias)',
         lambda m: f'pointer.decoder_fcs.{m[1]}.{m[2]}', False),
        (r'model\.readout\.(weight|bias)', lambda m: f'pointer.mix.{m[1]}',
         False),
    ]


def position_table_buffer(table: np.ndarray) -> torch.Tensor:
    """The ``position.table`` buffer of a fitted table: its rows plus the
    four blank rows the model appends."""
    table = torch.as_tensor(np.asarray(table), dtype=torch.float32)
    if table.ndim != 2:
        raise ValueError(f'OAT position table must be 2-D (size, dims), got '
                         f'shape {tuple(table.shape)}')
    return torch.cat([table, table.new_zeros(4, table.shape[1])])


def convert_official_oat(official: Dict[str, torch.Tensor],
                         pe_table: Optional[np.ndarray] = None
                         ) -> Conversion:
    """Rename an official OAT state dict (keys ``model.*``) and add the
    position table read from the official ``.npy``."""
    import re
    official = {(k if k.startswith('model.') else f'model.{k}'): v
                for k, v in official.items()}
    dropped = [k for k in official
               if any(re.fullmatch(p, k) for p in DROPPED)]
    converted, unplaced = apply_key_rules(official, _rules(),
                                          dropped=dropped)
    if pe_table is not None:
        converted['position.table'] = position_table_buffer(pe_table)
    # the decoding length is a setting of the config, not a weight
    return Conversion(dict(converted), unplaced, dropped,
                      optional=('_max_len', ))
