# The Plain-DETR BoxRPB model of the official code (impiga/Plain-DETR,
# configs/swinv2_small_sup_pt_boxrpe.sh flags) with the ResNet-50 backbone
# the code supports: layer4 only, upsampled to stride 16 by a ConvTranspose
# (2048 -> 1024), projected to 256 (1x1 conv with bias + GN); no encoder;
# 300 one-to-one + 1500 one-to-many queries; 6 pre-norm decoder layers with
# global cross-attention and BoxRPB; 4-level proposal pyramid (8/16/32/64).
model = dict(
    type='PlainDETR',
    num_queries_one2one=300,
    num_queries_one2many=1500,
    proposal_strides=(8, 16, 32, 64),
    feature_stride=16,
    with_box_refine=True,
    as_two_stage=True,
    num_feature_levels=1,
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),  # official: padding to the batch max only
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        # torchvision IMAGENET1K_V1 weights (official: pretrained=True)
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-0676ba61.pth')),
    neck=[
        dict(type='TransposedConvUpsample', in_channels=2048),
        dict(
            type='ChannelMapper',
            in_channels=[1024],
            kernel_size=1,
            out_channels=256,
            bias=True,
            act_cfg=None,
            norm_cfg=dict(type='GN', num_groups=32),
            num_outs=1)
    ],
    decoder=dict(
        num_layers=6,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256, num_heads=8, dropout=0.0, batch_first=True),
            cross_attn_cfg=dict(
                embed_dims=256,
                num_heads=8,
                rpe_hidden_dim=512,
                rpe_type='linear',
                feature_stride=16,
                attn_impl='fast'),
            ffn_cfg=dict(
                embed_dims=256, feedforward_channels=2048, ffn_drop=0.0))),
    # normalised sine encoding, offset -0.5, T 10000 (official 'sine')
    positional_encoding=dict(
        num_feats=128, normalize=True, offset=-0.5, temperature=10000),
    bbox_head=dict(
        type='PlainDETRHead',
        num_classes=80,
        k_one2many=6,
        lambda_one2many=1.0,
        sync_cls_avg_factor=True,
        loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=2.0),
        loss_bbox=dict(type='L1Loss', loss_weight=5.0),
        loss_iou=dict(type='GIoULoss', loss_weight=2.0)),
    train_cfg=dict(
        assigner=dict(
            type='HungarianAssigner',
            match_costs=[
                dict(type='FocalLossCost', weight=2.0, eps=1e-8),
                dict(type='BBoxL1Cost', weight=5.0, box_format='xywh'),
                dict(type='IoUCost', iou_mode='giou', weight=2.0)
            ])),
    test_cfg=dict(max_per_img=100))
