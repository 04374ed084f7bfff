# Plain-DETR (BoxRPB) with box re-parameterisation, SimMIM pre-trained
# Swin-V2-S, 12 epochs on COCO: the official
# configs/swinv2_small_mim_pt_boxrpe_reparam.sh (50.9 AP): the MIM recipe
# (plain-detr_swinv2-s-mim_16xb1-12e_coco.py, whose header says how to
# convert the MIM weights) plus pixel boxes with delta coding (reparam), the
# unnormalised sine encoding, L1 loss and cost weight 1.
_base_ = ['./plain-detr_swinv2-s-mim_16xb1-12e_coco.py']

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
