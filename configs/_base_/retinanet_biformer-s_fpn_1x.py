# RetinaNet + BiFormer-S, 1x: the official recipe of rayleizhu/BiFormer
# (object_detection/configs/coco/retinanet.1x.biformer_small.py): n_win 16,
# auto-pad, drop path 0.2, ImageNet-1k weights; FPN on C3-C5 with extra
# convs on the input; AdamW lr 1e-4, weight decay 1e-4, no paramwise rule,
# no clipping ("follow WaveViT"); 12 epochs, steps 8 / 11, warm-up 500; fp16
# with a static loss scale of 512. Dataset configs add a dataset base.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './schedules/schedule_1x.py', './models/biformer-s.py'
]

model = dict(
    backbone=dict(
        _delete_=True,
        **_base_.biformer_s,
        # Deviation: the official backbone returns all 4 stages and the FPN
        # skips the first (start_level=1, find_unused_parameters=True). Not
        # computing stage 1's output norm is the same network without
        # unused parameters.
        out_indices=(1, 2, 3)),
    neck=dict(in_channels=[128, 256, 512], start_level=0))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale=512.,
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4))
