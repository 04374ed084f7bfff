"""Focus-DETR detector.

Zheng et al., `Less is More: Focus Attention for Efficient DETR
<https://arxiv.org/abs/2307.12612>`_ (ICCV 2023); the code followed is
detrex ``projects/focus_detr`` (IDEA-Research/detrex).
"""
from typing import Dict, Optional, Sequence, Tuple

from torch import Tensor

from mmdet.models.detectors import DINO
from mmdet.models.layers import DinoTransformerDecoder
from mmdet.registry import MODELS
from mmdet.structures import OptSampleList
from projects.common.models import dino_queries, init_dino_layers
from .focus_detr_layers import FocusDetrTransformerEncoder
from .foreground_selector import (CASCADE, FOCUS_RHO,
                                  ForegroundTokenSelector)


@MODELS.register_module()
class FocusDETR(DINO):
    """Focus-DETR: DINO whose encoder updates only foreground tokens.

    Deviations from :class:`mmdet.models.DINO` (one line each below, marked
    ``Focus-DETR:``): the foreground token selector ``fts`` scores every
    encoder input token (through the two-stage projection
    ``memory_trans_fc`` / ``memory_trans_norm``, shared as in detrex) and
    picks a cascade of token sets; the encoder
    (:class:`FocusDetrTransformerEncoder`) updates only those; the
    selector's logits go to the head's foreground loss. Query selection,
    denoising and the decoder are DINO's.

    Args:
        focus_rho (float): Share of each image's valid tokens that the
            first encoder layer updates. Defaults to 0.5.
        cascade (Sequence[float]): Keep ratio of each encoder layer.
            Defaults to (1.0, 0.8, 0.6, 0.6, 0.4, 0.2).
        *args, **kwargs: As :class:`mmdet.models.DINO`.
    """

    def __init__(self, *args, focus_rho: float = FOCUS_RHO,
                 cascade: Sequence[float] = CASCADE, **kwargs) -> None:
        self.focus_rho = focus_rho
        self.cascade = tuple(cascade)
        super().__init__(*args, **kwargs)
        if len(self.cascade) != self.encoder.num_layers:
            raise ValueError(f'cascade has {len(self.cascade)} ratios for '
                             f'{self.encoder.num_layers} encoder layers')

    def _init_layers(self) -> None:
        # Focus-DETR: the dual-attention encoder; DINO's decoder
        init_dino_layers(self, FocusDetrTransformerEncoder,
                         DinoTransformerDecoder)
        # Focus-DETR: the foreground token selector
        self.fts = ForegroundTokenSelector(self.embed_dims,
                                           self.num_feature_levels,
                                           self.focus_rho, self.cascade)

    def init_weights(self) -> None:
        super().init_weights()
        # Focus-DETR: the selector as detrex (the neck's xavier-uniform /
        # zero-bias convolutions are mmdet's ChannelMapper default)
        self.fts.init_weights()

    def forward_encoder(self, feat: Tensor, feat_mask: Tensor,
                        feat_pos: Tensor, spatial_shapes: Tensor,
                        level_start_index: Tensor,
                        valid_ratios: Tensor) -> Dict:
        """Score the tokens, select the cascade and encode.

        Focus-DETR: the selector reads ``feat + feat_pos`` (level position
        included) through the two-stage projection; the encoder's class
        head for the object ranking is the two-stage classifier
        ``bbox_head.cls_branches[num_decoder_layers]``.

        Returns:
            dict: DINO's ``memory``, ``memory_mask``, ``spatial_shapes``,
            and ``fts_logits`` (bs, num_tokens), the raw selector logits.
        """
        tokens, _ = self.gen_encoder_output_proposals(
            feat + feat_pos, feat_mask, spatial_shapes)
        fts_logits = self.fts.scores(tokens, spatial_shapes)
        scores, index_sets, focus_num = self.fts.select(fts_logits, feat_mask)
        memory = self.encoder(
            query=feat,
            query_pos=feat_pos,
            key_padding_mask=feat_mask,
            spatial_shapes=spatial_shapes,
            level_start_index=level_start_index,
            valid_ratios=valid_ratios,
            foreground_scores=scores,
            index_sets=index_sets,
            focus_num=focus_num,
            class_head=self.bbox_head.cls_branches[self.decoder.num_layers])
        return dict(
            memory=memory,
            memory_mask=feat_mask,
            spatial_shapes=spatial_shapes,
            fts_logits=fts_logits)

    def pre_decoder(self,
                    memory: Tensor,
                    memory_mask: Tensor,
                    spatial_shapes: Tensor,
                    batch_data_samples: OptSampleList = None,
                    fts_logits: Optional[Tensor] = None
                    ) -> Tuple[Dict, Dict]:
        """DINO's, with the top-K capped by the token count (a deviation
        from detrex, which stops on an image with fewer tokens than
        queries); Focus-DETR: training also hands the selector's logits and
        the level shapes to the head (its foreground loss)."""
        decoder_inputs, head_inputs, _, _ = dino_queries(
            self, memory, memory_mask, spatial_shapes, batch_data_samples)
        if self.training:
            head_inputs.update(fts_logits=fts_logits,
                               spatial_shapes=spatial_shapes)
        return decoder_inputs, head_inputs

    def forward_decoder(self, *args, **kwargs) -> Dict:
        """DINO's; Focus-DETR (as detrex): the label embedding always joins
        the graph when training (mmdet's guard compares the batch size with
        the query count, so it hardly ever does), so that a batch without
        ground truth leaves no parameter unused."""
        outputs = super().forward_decoder(*args, **kwargs)
        if self.training:
            outputs['hidden_states'] = outputs['hidden_states'] + \
                self.dn_query_generator.label_embedding.weight[0, 0] * 0.0
        return outputs
