# A miniature MixFormer (3 stages of 32 / 64 / 128 channels, 1-1-2 blocks,
# 64 px templates, 160 px search) trained from scratch on the toy video for
# CPU: stage-1 losses (GIoU x2 + L1 x5), AdamW 5e-4 (no backbone lr
# multiplier: nothing is pretrained), clip 0.1, 1000 iterations (~4 min on
# 2 cores); then OPE on the toy sequences. Checks the whole path: pair
# sampling, jitter, crops, mixed attention, corner head, online tracking.
_base_ = [
    '../_base_/datasets/toy_sot.py', '../_base_/default_runtime.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.mixformer'],
    allow_failed_imports=False)

template_size, search_size = 64, 160
model = dict(
    type='MixFormer',
    backbone=dict(
        type='MixFormerBackbone',
        arch=dict(
            embed_dims=[32, 64, 128], depths=[1, 1, 2], num_heads=[1, 1, 2]),
        drop_path_rate=[0., 0., 0.1]),
    head=dict(
        type='MixFormerCornerHead',
        in_channels=128,
        channels=64,
        feat_size=search_size // 16),
    score_head=dict(type='MixFormerScoreDecoder', hidden_dim=128,
                    num_heads=2),
    train_cfg=dict(stage=1),
    test_cfg=dict(
        template_size=template_size,
        search_size=search_size,
        search_factor=4.5,
        update_interval=10,
        online_size=2))

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='SOTPairDataset',
        datasets=[dict(type='ToySOTDataset', data_root={{_base_.data_root}})],
        samples_per_epoch=2400,
        template_size=template_size,
        search_size=search_size,
        min_frames=8))

max_iters = 1000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=0.1, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False,
         milestones=[int(max_iters * 0.8)], gamma=0.1)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
auto_scale_lr = dict(enable=False, base_batch_size=8)
