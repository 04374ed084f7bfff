"""Attention pictures: one probe per kind of attention, registered in
:data:`ATTENTION_PROBES` (see :mod:`.probe`), the runner that loads a
model and runs it under its probes (:mod:`.runner`), and the training
curves of a work dir (:mod:`.curves`)."""
from .biformer_probe import RegionRoutingProbe
from .box_rpb_probe import BoxRPBAttentionProbe
from .deformable_probe import DeformableDecoderProbe, deformable_sampling
from .focus_probe import ForegroundSelectionProbe
from .mixformer_probe import MixedAttentionProbe
from .probe import ATTENTION_PROBES, AttentionProbe, probes_for
from .relation_probe import RelationBiasProbe
from .runner import (draw_all, load_model, model_probes, run_image,
                     run_video)
from .scene import ImageScene, TrackedFrame, VideoScene

__all__ = [
    'ATTENTION_PROBES', 'AttentionProbe', 'BoxRPBAttentionProbe',
    'DeformableDecoderProbe', 'ForegroundSelectionProbe', 'ImageScene',
    'MixedAttentionProbe', 'RegionRoutingProbe', 'RelationBiasProbe',
    'TrackedFrame', 'VideoScene', 'deformable_sampling', 'draw_all',
    'load_model', 'model_probes', 'probes_for', 'run_image', 'run_video'
]
