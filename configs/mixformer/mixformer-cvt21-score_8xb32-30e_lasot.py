# MixFormer-22k, stage 2: only the score prediction module trains (BCE on
# positive / negative search crops, 50 % each), from the stage-1 weights
# (load_from); 30 epochs, lr x0.1 after 20, 8 GPUs x 32 pairs. The model
# used for tracking. LaSOT settings: search factor 4.55, update interval
# 200, 2 online templates.
_base_ = './mixformer-cvt21_8xb8-500e_lasot.py'

model = dict(
    backbone=dict(init_cfg=None),
    head=dict(frozen_bn=True),
    train_cfg=dict(stage=2))
train_dataloader = dict(batch_size=32, dataset=dict(mode='cls'))
train_cfg = dict(max_epochs=30, val_interval=10)
optim_wrapper = dict(paramwise_cfg=None)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=30, by_epoch=True,
         milestones=[20], gamma=0.1)
]
load_from = 'work_dirs/mixformer-cvt21_8xb8-500e_lasot/epoch_500.pth'
auto_scale_lr = dict(enable=False, base_batch_size=256)
