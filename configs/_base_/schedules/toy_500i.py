# The CPU schedule of the toy configs: 500 iterations of AdamW (2e-4),
# warm-up 50, lr x0.1 at 85%; validation and one checkpoint at the end.
# It includes the default runtime because it changes its hooks (mmengine
# refuses the same key in two sibling bases).
_base_ = '../default_runtime.py'

max_iters = 500
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# fused AdamW and foreach gradient clipping: one kernel over all parameters
# instead of a Python loop over them (AdamW 0.03 s instead of 0.26 s a step
# for the 14 M-parameter toy Relation-DETR on 2 cores); the same update up
# to float rounding
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=1e-4, fused=True),
    clip_grad=dict(max_norm=0.1, norm_type=2, foreach=True))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[int(max_iters * 0.85)],
        gamma=0.1)
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=max_iters,
        max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)

# 1 process x 8 images. --auto-scale-lr scales lr linearly to your batch.
auto_scale_lr = dict(enable=False, base_batch_size=8)
