# MixFormer-22k (CVPR 2022): CvT-21 mixed-attention backbone (dims 64 / 192
# / 384, heads 1 / 3 / 6, depths 1 / 4 / 16, drop path 0 / 0 / 0.1), corner
# head (384 channels, 20 x 20 search map, stride 16), score prediction
# module (6 heads, 4 x 4 precise RoI pooling). 128 px templates, 320 px
# search. Stage-1 losses: GIoU x2 + L1 x5 (the CVPR release; the official
# repository switched to CIoU in 2023).
model = dict(
    type='MixFormer',
    backbone=dict(
        type='MixFormerBackbone',
        arch='cvt21',
        drop_path_rate=[0., 0., 0.1],
        # ImageNet-22k CvT-21 of Microsoft's CvT release
        # (CvT-21-384x384-IN-22k.pth)
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/CvT-21-384x384-IN-22k.pth')),
    head=dict(
        type='MixFormerCornerHead', in_channels=384, channels=384,
        feat_size=20, stride=16),
    score_head=dict(type='MixFormerScoreDecoder', hidden_dim=384,
                    num_heads=6),
    loss_iou=dict(type='GIoULoss', loss_weight=2.0),
    loss_bbox=dict(type='L1Loss', loss_weight=5.0),
    train_cfg=dict(stage=1),
    # LaSOT settings of the official 22k model
    test_cfg=dict(
        template_factor=2.0, template_size=128, search_factor=4.55,
        search_size=320, update_interval=200, online_size=2,
        max_score_decay=1.0, score_threshold=0.5, use_cache=True))
