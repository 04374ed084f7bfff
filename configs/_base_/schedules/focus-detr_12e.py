# The detrex Focus-DETR optimiser and 12-epoch schedule (detrex
# configs/common/optim.py AdamW, coco_schedule.py lr_multiplier_12ep;
# projects/focus_detr/configs/focus_detr_resnet/focus_detr_r50_4scale_12ep.py).
# AdamW 1e-4, betas (0.9, 0.999), wd 1e-4 with none on normalisation layers
# (biases decay, as detrex), backbone lr x0.1, clip 0.1; no warm-up.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        norm_decay_mult=0.0, custom_keys={'backbone': dict(lr_mult=0.1)}))

max_epochs = 12
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# detrex drops the lr at iteration 82 500 of 90 000 (batch 16): epoch 11
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[11],
        gamma=0.1)
]

# The recipe's total batch is 16 (8 GPUs x 2); --auto-scale-lr scales the
# lr linearly to yours.
auto_scale_lr = dict(enable=False, base_batch_size=16)
