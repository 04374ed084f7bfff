# Focus-DETR shrunk for CPU training on the toy shapes (128 px), the same
# sizes as the toy DINO and Relation-DETR: a from-scratch ResNet-18, 3+3
# layers, 100 queries, 50 denoising queries; one process, batch 8. The
# transformer stays 256-d (mmdet's DINO decoder assumes it). The cascade
# takes the official ratios of layers 0, 2 and 4; the object self-attention
# ranks 50 tokens (of the 171 that a 128x128 image's first layer keeps;
# the COCO model: 300 of about 11 000).
_base_ = [
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py',
    '../_base_/models/focus-detr_r50.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.focus_detr'],
    allow_failed_imports=False)

model = dict(
    num_queries=100,
    cascade=(1.0, 0.6, 0.4),
    backbone=dict(
        depth=18,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),  # from scratch: nothing to download
    neck=dict(in_channels=[128, 256, 512]),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            num_object_tokens=50,
            ffn_cfg=dict(feedforward_channels=512))),
    decoder=dict(
        num_layers=3, layer_cfg=dict(ffn_cfg=dict(feedforward_channels=512))),
    bbox_head=dict(num_classes=3),
    dn_cfg=dict(group_cfg=dict(num_dn_queries=50)),
    test_cfg=dict(max_per_img=100))
