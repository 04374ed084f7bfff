# Mask R-CNN, BiFormer-S, 1x COCO (official: 47.8 box AP, 43.2 mask AP).
# The official recipe (object_detection/configs/coco/
# maskrcnn.1x.biformer_small.py): n_win 16, auto-pad, drop path 0.2, all
# four stages into the FPN; AdamW lr 1e-4, betas (0.9, 0.999), weight decay
# 0.05 except parameters named *norm* ("follow UniFormer"); 12 epochs, steps
# 8 / 11, warm-up 500; fp16 with a static loss scale of 512.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    '../_base_/datasets/coco_instance.py',
    '../_base_/schedules/schedule_1x.py', '../_base_/default_runtime.py',
    '../_base_/models/biformer-s.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.biformer'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True, **_base_.biformer_s, out_indices=(0, 1, 2, 3)),
    neck=dict(in_channels=[64, 128, 256, 512]))

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale=512.,
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.)
        }))
