# The toy Plain-DETR (plain-detr_r18_1xb8-500i_toy.py) with the box
# re-parameterisation of the official 50.9 AP recipe: pixel boxes with
# delta coding, the unnormalised sine encoding, L1 loss and cost weight 1.
_base_ = ['./plain-detr_r18_1xb8-500i_toy.py']

model = dict(
    reparam=True,
    # official sine_unnorm: (count - 0.5) * 2pi, not normalised
    positional_encoding=dict(
        type='UnnormalizedSinePositionalEncoding', normalize=False),
    bbox_head=dict(loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-8),
                dict(type='DeltaL1Cost', weight=1.0),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])))
