"""DETR bricks of projects/common/models, each on its own."""
import pytest
import torch
import torch.nn.functional as F
from mmcv.ops import MultiScaleDeformableAttention
from mmengine.structures import InstanceData

from projects.common.models import (AutoMultiScaleDeformableAttention,
                                    IoUAwareBCELoss, deform_attn_gather, iou_aware_bce_loss,
                                    kernel_available, ms_deform_attn,
                                    gather_topk, repeat_instances,
                                    select_topk_proposals,
                                    use_auto_msda)


def _msda_inputs(bs=2, device='cpu'):
    shapes = torch.tensor([[8, 8], [4, 4], [2, 2]], device=device)
    start = torch.cat([shapes.new_zeros(1), (shapes[:, 0] * shapes[:, 1])
                       .cumsum(0)[:-1]])
    value = torch.rand(bs, int((shapes[:, 0] * shapes[:, 1]).sum()), 32,
                       device=device)
    query = torch.rand(bs, 5, 32, device=device)
    refs = torch.rand(bs, 5, 3, 4, device=device) * 0.5 + 0.25
    return query, value, refs, shapes, start


@pytest.mark.parametrize('ref_dims', [2, 4])
def test_auto_msda_equals_mmcv_on_cpu(ref_dims):
    torch.manual_seed(0)
    reference = MultiScaleDeformableAttention(
        embed_dims=32, num_heads=4, num_levels=3, num_points=2,
        batch_first=True)
    # random offsets so that sampling is not at the reference points only
    torch.nn.init.normal_(reference.sampling_offsets.weight, std=0.5)
    auto = AutoMultiScaleDeformableAttention(
        embed_dims=32, num_heads=4, num_levels=3, num_points=2,
        batch_first=True)
    auto.load_state_dict(reference.state_dict())
    reference.eval(), auto.eval()  # no dropout
    query, value, refs, shapes, start = _msda_inputs()
    refs = refs[..., :ref_dims]
    mask = torch.zeros(value.shape[:2], dtype=torch.bool)
    mask[1, -5:] = True
    kwargs = dict(query=query, value=value, reference_points=refs,
                  spatial_shapes=shapes, level_start_index=start,
                  key_padding_mask=mask)
    torch.testing.assert_close(auto(**kwargs), reference(**kwargs))


def test_use_auto_msda_keeps_weights_and_names():
    block = torch.nn.Sequential(
        MultiScaleDeformableAttention(embed_dims=32, num_heads=4,
                                      num_levels=3, batch_first=True))
    keys = list(block.state_dict())
    weight = block[0].value_proj.weight.clone()
    use_auto_msda(block)
    assert type(block[0]) is AutoMultiScaleDeformableAttention
    assert list(block.state_dict()) == keys
    assert torch.equal(block[0].value_proj.weight, weight)


def test_pytorch_path_choice_follows_gradients(monkeypatch):
    """Without the compiled CPU operator: without gradients the gather path
    runs; with them mmcv's path (its backward is the faster one), and
    gradients flow to every input."""
    import importlib
    module = importlib.import_module('projects.common.models.ms_deform_attn')
    monkeypatch.setattr(module, 'ms_deform_attn_cpu_available', lambda: False)
    calls = []
    monkeypatch.setattr(module, 'deform_attn_gather',
                        lambda *a: calls.append('gather') or
                        deform_attn_gather(*a))
    torch.manual_seed(0)
    _, value, _, shapes, start = _msda_inputs(1)
    value = value.view(1, -1, 4, 8)
    locations = torch.rand(1, 5, 4, 3, 2, 2)
    weights = torch.rand(1, 5, 4, 3, 2)
    with torch.no_grad():
        fast = ms_deform_attn(value, shapes, start, locations, weights)
    assert calls == ['gather']
    inputs = [t.clone().requires_grad_() for t in (value, locations,
                                                   weights)]
    slow = ms_deform_attn(inputs[0], shapes, start, *inputs[1:])
    assert calls == ['gather']
    torch.testing.assert_close(fast, slow.detach())
    slow.sum().backward()
    assert all(t.grad is not None for t in inputs)


def test_cpu_never_uses_the_kernel():
    assert not kernel_available(torch.device('cpu'))


@pytest.mark.skipif(not (torch.cuda.is_available() and
                         kernel_available(torch.device('cuda'))),
                    reason='needs a GPU and mmcv built with CUDA ops')
def test_kernel_and_pytorch_paths_agree_on_gpu():
    torch.manual_seed(0)
    bs, heads, levels, points = 2, 4, 3, 2
    _, value, _, shapes, start = _msda_inputs(bs, 'cuda')
    value = value.view(bs, -1, heads, 8).double()
    locations = torch.rand(bs, 5, heads, levels, points, 2, device='cuda',
                           dtype=torch.double)
    weights = torch.rand(bs, 5, heads, levels, points, device='cuda',
                         dtype=torch.double)
    weights = weights / weights.sum((-1, -2), keepdim=True)
    kernel = ms_deform_attn(value, shapes, start, locations, weights,
                            use_kernel=True)
    python = ms_deform_attn(value, shapes, start, locations, weights,
                            use_kernel=False)
    torch.testing.assert_close(kernel, python, rtol=1e-6, atol=1e-8)


def test_iou_aware_bce_loss_formula_and_detached_weight():
    logits = torch.tensor([[0.5, -1.0, 2.0], [-0.3, 0.1, 0.0]],
                          requires_grad=True)
    labels = torch.tensor([2, 3])  # image 2 is background (index C)
    ious = torch.tensor([0.7, 0.0])
    loss = iou_aware_bce_loss(logits, labels, ious, alpha=0.25, gamma=2.0)
    prob = logits.detach().sigmoid()
    target = torch.tensor([[0, 0, 0.7], [0, 0, 0]])
    weight = 0.75 * prob**2 * (target == 0) + target
    weight[0, 2] = 0.7
    expected = F.binary_cross_entropy_with_logits(
        logits.detach(), target, reduction='none') * weight
    torch.testing.assert_close(loss.detach(), expected)
    loss.sum().backward()
    # the weight is a constant: d/dlogit = (sigmoid - target) * weight
    torch.testing.assert_close(logits.grad, (prob - target) * weight)
    # by hand at p = sigmoid(ln 3) = 0.75: a negative weighs
    # 0.75 * 0.75^2 = 0.421875 times BCE ln 4 -> 0.58485; a positive with
    # IoU 0.7 weighs 0.7 times BCE -(0.7 ln 0.75 + 0.3 ln 0.25) = 0.61727
    # -> 0.43209
    p = torch.log(torch.tensor(3.0))
    loss = iou_aware_bce_loss(torch.stack([p, p])[None].repeat(2, 1),
                              torch.tensor([2, 0]), torch.tensor([0.5, 0.7]),
                              alpha=0.25, gamma=2.0)
    torch.testing.assert_close(loss, torch.tensor([[0.58485, 0.58485],
                                                   [0.43209, 0.58485]]),
                               atol=1e-5, rtol=0)


def test_iou_aware_bce_module_reduces_by_avg_factor():
    module = IoUAwareBCELoss(loss_weight=2.0)
    logits = torch.randn(4, 3)
    labels = torch.tensor([0, 3, 1, 3])
    ious = torch.tensor([0.5, 0.0, 0.9, 0.0])
    total = iou_aware_bce_loss(logits, labels, ious).sum()
    out = module(logits, (labels, ious), avg_factor=2.0)
    torch.testing.assert_close(out, 2.0 * total / 2.0)


def test_repeat_instances():
    gt = InstanceData(bboxes=torch.rand(2, 4), labels=torch.tensor([1, 2]))
    out = repeat_instances([gt, InstanceData(bboxes=torch.zeros(0, 4),
                                             labels=torch.zeros(0).long())],
                           3)
    assert out[0].labels.tolist() == [1, 2, 1, 2, 1, 2]
    assert torch.equal(out[0].bboxes[4:], gt.bboxes)
    assert len(out[1]) == 0
    with pytest.raises(ValueError):
        repeat_instances([gt], 0)


def test_select_topk_proposals():
    memory = torch.randn(2, 10, 8)
    proposals = torch.randn(2, 10, 4)
    cls = torch.nn.Linear(8, 3)
    reg = torch.nn.Linear(8, 4)
    scores, boxes, unact = select_topk_proposals(memory, proposals, cls, reg,
                                                 4)
    assert scores.shape == (2, 4, 3) and boxes.shape == (2, 4, 4)
    best = cls(memory).max(-1)[0].topk(4, dim=1)[0]
    torch.testing.assert_close(scores.max(-1)[0], best)
    assert boxes.requires_grad and not unact.requires_grad
    torch.testing.assert_close(unact.sigmoid(), boxes.detach())
    # fewer tokens than requested (small images): keep them all
    scores, boxes, _ = select_topk_proposals(memory, proposals, cls, reg, 15)
    assert scores.shape == (2, 10, 3) and boxes.shape == (2, 10, 4)


def test_gather_topk_by_one_channel():
    # token 1 has the best class overall (channel 2), token 2 the best
    # channel 0: ranking by channel 0 gives [2, 0, 1], by the best [1, 2, 0]
    logits = torch.tensor([[[0.5, 0.0, 0.0], [0.1, 0.0, 0.9],
                            [0.8, 0.0, 0.0]]])
    coords = torch.arange(12, dtype=torch.float32).view(1, 3, 4)
    _, _, by_obj = gather_topk(logits, coords, 3, score_channel=0)
    _, _, by_best = gather_topk(logits, coords, 3)
    assert by_obj[0, :, 0].tolist() == [8, 0, 4]
    assert by_best[0, :, 0].tolist() == [4, 8, 0]
