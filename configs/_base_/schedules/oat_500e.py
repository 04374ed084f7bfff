# OAT's schedule (src/run.py): Adam lr 1e-4, constant (StepLR with gamma
# 1.0), gradient norm clipped at 1.0, up to 500 epochs, validation every
# epoch (the configs add OAT's early stopping on Delta and keep the
# best-Delta checkpoint: configs/oat/oat_amazon.py).
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
randomness = dict(seed=1234)
