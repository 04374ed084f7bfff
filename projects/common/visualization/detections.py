"""The top detections of a DETR-like detector and the queries that made
them, recovered from the head's output through a forward hook."""
from typing import Dict, List

import torch

from .probe import AttentionProbe


def last_cross_attention(model, attention_type: type):
    """The last decoder layer's ``cross_attn`` of a DETR when it is an
    ``attention_type``, else None."""
    layers = getattr(getattr(model, 'decoder', None), 'layers', None)
    if not layers or not hasattr(model, 'bbox_head'):
        return None
    attn = getattr(layers[-1], 'cross_attn', None)
    return attn if isinstance(attn, attention_type) else None


def hook_detr_head(probe: AttentionProbe, model) -> None:
    """Record the classification scores of ``model.bbox_head``'s forward
    (all layers; the prediction reads the last one) in ``probe.records
    ['head_cls']``."""
    probe.keep_output(model.bbox_head, 'head_cls',
                      transform=lambda out: out[0][-1])


def top_queries(probe: AttentionProbe, sample, topk: int) -> List[Dict]:
    """The first ``topk`` distinct queries of the predictions, best first.

    DETR heads (mmdet's ``DETRHead._predict_by_feat_single``) with sigmoid
    scores rank the flattened (query, class) scores of the last layer and
    keep ``max_per_img``: prediction ``i`` is query ``index_i //
    num_classes``; with softmax scores they rank each query's best
    non-background class: prediction ``i`` is query ``index_i``. The same
    ranking is redone here on the hooked scores, so the boxes come from
    ``sample.pred_instances`` unchanged.

    Returns:
        list[dict]: ``query`` (index), ``label``, ``score`` and ``bbox``
        (x1, y1, x2, y2 original pixels).
    """
    head = probe.model.bbox_head
    logits = probe.record('head_cls')[0]  # (num_queries, classes [+ 1])
    max_per_img = head.test_cfg.get('max_per_img', len(logits))
    if head.loss_cls.use_sigmoid:
        num_classes = logits.shape[-1]
        scores = logits.sigmoid().flatten()
    else:  # one prediction per query, its best non-background class
        num_classes = 1
        scores = logits.softmax(-1)[..., :-1].max(-1)[0]
    values, indexes = scores.topk(min(max_per_img, scores.numel()))
    pred = sample.pred_instances
    if len(pred) != len(indexes) or not torch.allclose(
            values.cpu(), pred.scores.cpu(), atol=1e-5):
        raise RuntimeError('top_queries: the hooked scores do not give the '
                           'predictions (a head with another ranking?)')
    out, seen = [], set()
    for i, index in enumerate(indexes.tolist()):
        query = index // num_classes
        if query in seen:
            continue
        seen.add(query)
        out.append(dict(query=query, label=int(pred.labels[i]),
                        score=float(pred.scores[i]),
                        bbox=pred.bboxes[i].cpu().numpy()))
        if len(out) == topk:
            break
    return out
