# OAT on the toy shelves (tools/misc/make_toy_scanpaths.py), for CPU: the
# full model (d 512, 4 + 4 layers) on 48 x 32 crops
# and a 6-row position table (max(rows, cols) of the 4 x 6 shelves) fitted
# at build time with OAT's objective (sigma 2, Adam 0.01, 10 000 steps);
# OAT's optimiser and clipping; 60 epochs with validation every 10 instead
# of 500 with early stopping.
_base_ = [
    '../_base_/models/oat.py', '../_base_/datasets/toy_scanpath.py',
    '../_base_/schedules/oat_500e.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.oat'], allow_failed_imports=False)
model = dict(
    crop_size={{_base_.crop_size}},
    pe_table=dict(size=6),
    # the longest scanpath of the training split (OAT's rule)
    max_len=24,
    data_preprocessor=dict(
        mean=(0., 0., 0.), std=(255., 255., 255.), bgr_to_rgb=True))

max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=1,
        save_best='scanpath/delta', rule='less'))
custom_hooks = [  # a fixed 60 epochs, no early stopping
    dict(type='RNGStateHook'),
    dict(type='NonFiniteLossHook', action='skip', max_skips=10)
]
randomness = dict(seed=0)
