# The Relation-DETR R-50 model of the official code (xiuqhou/Relation-DETR
# configs/relation_detr/relation_detr_resnet50_800_1333.py): 900 queries +
# 1500 hybrid queries, 6 + 6 layers, 4 levels, ImageNet R-50. Its recipe is
# this model + schedules/relation-detr_12e.py + datasets/detr_augmentation.py
# next to a dataset base and default_runtime.py.
num_levels = 4
model = dict(
    type='RelationDETR',
    num_queries=900,
    num_hybrid_queries=1500,
    with_box_refine=True,
    as_two_stage=True,
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),  # the official model pads to 32
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        # torchvision IMAGENET1K_V2 weights, as the official backbone
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-11ad3fa6.pth')),
    neck=dict(
        type='ChannelMapper',
        in_channels=[512, 1024, 2048],
        kernel_size=1,
        out_channels=256,
        act_cfg=None,
        norm_cfg=dict(type='GN', num_groups=32),
        num_outs=num_levels),
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_levels=num_levels,
                               dropout=0.0),
            ffn_cfg=dict(
                embed_dims=256, feedforward_channels=2048, ffn_drop=0.0))),
    decoder=dict(
        num_layers=6,
        return_intermediate=True,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=256, num_heads=8, dropout=0.0),
            cross_attn_cfg=dict(embed_dims=256, num_levels=num_levels,
                                dropout=0.0),
            ffn_cfg=dict(
                embed_dims=256, feedforward_channels=2048, ffn_drop=0.0)),
        post_norm_cfg=None),
    # T=10000 and offset -0.5 as the official model (mmdet's DINO: 20, 0)
    positional_encoding=dict(
        num_feats=128, normalize=True, offset=-0.5, temperature=10000),
    bbox_head=dict(
        type='RelationDETRHead',
        num_classes=80,
        hybrid_assign=6,
        sync_cls_avg_factor=True,
        loss_cls=dict(
            type='IoUAwareBCELoss', alpha=0.25, gamma=2.0, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    dn_cfg=dict(
        label_noise_scale=0.5,
        box_noise_scale=1.0,
        group_cfg=dict(dynamic=True, num_groups=None, num_dn_queries=100)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-6),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=300))
