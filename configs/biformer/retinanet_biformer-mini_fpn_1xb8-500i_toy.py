# RetinaNet with a miniature BiFormer (1-1-2-1 blocks, 32-256 channels,
# n_win 4) for CPU training on the toy shapes (128 px); from scratch, one
# process, batch 8. Checks the whole path: BRA stages, global last stage,
# extra norms, FPN, RetinaNet head.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.biformer'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='BiFormer',
        arch=dict(
            depths=[1, 1, 2, 1],
            embed_dims=[32, 64, 128, 256],
            num_heads=[1, 2, 4, 8]),
        n_win=4,
        auto_pad=True,
        out_indices=(1, 2, 3),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256], start_level=0, out_channels=64),
    bbox_head=dict(num_classes=3, in_channels=64, feat_channels=64))
