# RetinaNet + BiFormer-S of the official recipe (rayleizhu/BiFormer
# object_detection/configs/coco/retinanet.1x.biformer_small.py): n_win 16,
# auto-pad, drop path 0.2, ImageNet-1k weights; FPN on C3-C5 with extra
# convs on the input. Its schedule is schedules/adamw-fp16_1x.py.
_base_ = ['mmdet::_base_/models/retinanet_r50_fpn.py', './biformer-s.py']

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
