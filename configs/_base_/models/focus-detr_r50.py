# The Focus-DETR R-50 model of detrex (projects/focus_detr/configs/models/
# focus_detr_r50.py): DINO with the foreground token selector and the
# dual-attention encoder; 900 queries, 6 + 6 layers, 4 levels, 100
# denoising queries. Its recipe is this model + schedules/focus-detr_12e.py
# + datasets/detr_augmentation.py next to a dataset base and
# default_runtime.py.
num_levels = 4
model = dict(
    type='FocusDETR',
    num_queries=900,
    with_box_refine=True,
    as_two_stage=True,
    focus_rho=0.5,
    cascade=(1.0, 0.8, 0.6, 0.6, 0.4, 0.2),
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        # detectron2 freeze_at=1 freezes the stem only (mmdet's DINO: 1)
        frozen_stages=0,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        # torchvision V1 weights, as detrex's r50_v1.pkl
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='ChannelMapper',
        in_channels=[512, 1024, 2048],
        kernel_size=1,
        out_channels=256,
        act_cfg=None,
        bias=True,  # detrex's convolutions have a bias before their GN
        norm_cfg=dict(type='GN', num_groups=32),
        num_outs=num_levels),
    encoder=dict(
        num_layers=6,
        layer_cfg=dict(
            oesm_attn_cfg=dict(embed_dims=256, num_heads=8, dropout=0.0),
            num_object_tokens=300,
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
    # 12 epochs: T=10000, offset -0.5 (24 / 36 epochs: 20, 0, as mmdet)
    positional_encoding=dict(
        num_feats=128, normalize=True, offset=-0.5, temperature=10000),
    bbox_head=dict(
        type='FocusDETRHead',
        num_classes=80,
        sync_cls_avg_factor=True,
        loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0),
        # the token selector's FCOS-style supervision, weight 1.5
        loss_fts=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.5)),
    dn_cfg=dict(
        label_noise_scale=0.5,
        box_noise_scale=1.0,
        group_cfg=dict(dynamic=True, num_groups=None, num_dn_queries=100)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-8),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=300))
