# Focus-DETR, ResNet-50, 24 epochs on COCO (detrex result: 50.3 AP):
# detrex's 24ep config changes the positional encoding to T=20, offset 0,
# and drops the lr at iteration 150 000 of 180 000 (epoch 20).
_base_ = './focus-detr_r50_8xb2-12e_coco.py'

model = dict(positional_encoding=dict(offset=0.0, temperature=20))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[20],
        gamma=0.1)
]
