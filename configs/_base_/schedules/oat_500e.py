# OAT's schedule and runtime (src/run.py): Adam lr 1e-4, constant (StepLR
# with gamma 1.0), gradient norm clipped at 1.0, up to 500 epochs,
# validation every epoch; early stopping after 30 epochs without a lower
# behavioural Delta (Lightning's EarlyStopping: min_delta 0) and the
# best-Delta checkpoint kept; seed 1234. ScanpathLengthHook sets the
# decoding length from the training split when the model leaves it unset.
_base_ = '../default_runtime.py'
max_epochs = 500
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-4),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = []
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=1,
        save_best='scanpath/delta', rule='less'))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='NonFiniteLossHook', action='skip', max_skips=10),
    dict(type='ScanpathLengthHook'),
    dict(type='EarlyStoppingHook', monitor='scanpath/delta', rule='less',
         min_delta=0.0, patience=30)
]
randomness = dict(seed=1234)
