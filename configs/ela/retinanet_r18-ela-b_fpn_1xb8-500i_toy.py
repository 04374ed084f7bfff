# RetinaNet with a from-scratch ResNet-18 + ELA-B (stages 2-4) for CPU
# training on the toy shapes (128 px); one process, batch 8.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.ela'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        type='ResNetELA',
        depth=18,
        ela_variant='B',
        ela_stages=(False, True, True, True),
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[128, 256, 512], start_level=0, out_channels=64),
    bbox_head=dict(num_classes=3, in_channels=64, feat_channels=64))
