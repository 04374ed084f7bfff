"""tools/analysis_tools/benchmark_relation_detr.py: the models it compares
(the timings themselves are not asserted)."""
import torch
from mmcv.cnn.bricks.transformer import MultiheadAttention

from projects.common.models import AutoMultiScaleDeformableAttention
from projects.relation_detr import PositionRelationEmbedding


def test_toy_baseline_has_every_part_off_and_reference_paths_switch():
    from tools.analysis_tools.benchmark_relation_detr import (
        build, use_reference_paths)
    base = build('toy-dino', torch.device('cpu'), training=False)
    assert base.num_hybrid_queries == 0
    assert not base.encoder.with_memory_fusion
    assert not base.decoder.with_position_relation
    assert not base.decoder.with_query_scale
    assert type(base.bbox_head.loss_cls).__name__ == 'FocalLoss'
    # mmdet's DINO builds its Hungarian targets image by image
    assert not base.bbox_head.batched_targets
    full = build('toy-relation', torch.device('cpu'), training=True)
    assert full.training and full.num_hybrid_queries > 0
    assert full.bbox_head.batched_targets
    relation = [m for m in full.modules()
                if isinstance(m, PositionRelationEmbedding)]
    msda = [m for m in full.modules()
            if isinstance(m, AutoMultiScaleDeformableAttention)]
    assert relation and msda
    assert all(m.impl == 'chunked' for m in relation)
    assert all(m.fast for m in msda)
    attention = [m.attn for m in full.modules()
                 if isinstance(m, MultiheadAttention)]
    assert attention and not any(
        type(m) is torch.nn.MultiheadAttention for m in attention)
    use_reference_paths(full)
    assert all(m.impl == 'reference' for m in relation)
    assert not any(m.fast for m in msda)
    assert all(type(m) is torch.nn.MultiheadAttention for m in attention)


def test_recorded_decoder_inputs_replay_the_decoder():
    """The float32 part of ``equal`` reruns a decoder on the inputs another
    model's decoder was given: on the same model that replay must give the
    recorded outputs exactly."""
    from tools.analysis_tools.benchmark_relation_detr import (
        _record, build, one_image_batch)
    model = build('toy-relation', torch.device('cpu'), training=False)
    inputs, samples = one_image_batch((96, 128), torch.device('cpu'))
    seen = _record(model, inputs, samples)
    assert seen['memory'].shape[-1] == model.embed_dims
    with torch.no_grad():
        hidden, references = model.decoder(**seen['decoder_inputs'])
    expected_hidden, expected_references = seen['decoder_outputs']
    assert torch.equal(hidden, expected_hidden)
    assert torch.equal(references, expected_references)
    logits, boxes = seen['outputs'][:2]
    assert torch.equal(
        model.bbox_head.cls_branches[-1](hidden[-1]), logits[-1])


def test_train_batch_boxes_lie_in_the_image():
    from projects.common.utils import train_batch
    inputs, samples = train_batch((96, 128), 3, 5, boxes_per_image=4)
    assert inputs.shape == (3, 3, 96, 128) and len(samples) == 3
    for sample in samples:
        boxes = sample.gt_instances.bboxes
        assert boxes.shape == (4, 4)
        assert (boxes[:, 2:] > boxes[:, :2]).all()
        assert (boxes[:, 2] < 128).all() and (boxes[:, 3] < 96).all()
        assert ((sample.gt_instances.labels >= 0) &
                (sample.gt_instances.labels < 5)).all()
