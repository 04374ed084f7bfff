# MixFormer-22k, stage 1 (backbone + corner head; the score module stays
# frozen): 500 epochs of 60,000 pairs from GOT-10k / LaSOT / TrackingNet /
# COCO, AdamW 1e-4 (backbone x0.1), weight decay 1e-4, grad clip 0.1, lr x0.1
# after epoch 400; 8 GPUs x 8 pairs. Tested on LaSOT (OPE).
_base_ = [
    '../_base_/models/mixformer_cvt21.py',
    '../_base_/datasets/sot_train_got10k-lasot-trackingnet-coco.py',
    '../_base_/datasets/sot_lasot.py', '../_base_/default_runtime.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.mixformer'],
    allow_failed_imports=False)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=500, val_interval=50)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=500, by_epoch=True,
         milestones=[400], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=10))
randomness = dict(seed=42, diff_rank_seed=True)
auto_scale_lr = dict(enable=False, base_batch_size=64)
