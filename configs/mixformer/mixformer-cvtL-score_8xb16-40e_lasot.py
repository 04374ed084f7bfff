# MixFormer-L (CvT-W24 truncated to 2 / 2 / 12 blocks, dims 192 / 768 /
# 1024), stage-2 model on LaSOT (search 4.55, interval 200, 2 online
# templates). Official stage 1: stage 0 frozen, batch 16, drop path 0.3.
_base_ = './mixformer-cvt21-score_8xb32-30e_lasot.py'
model = dict(
    backbone=dict(
        arch='cvt24w', drop_path_rate=[0., 0., 0.3], frozen_stages=0),
    head=dict(in_channels=1024),
    score_head=dict(hidden_dim=1024, num_heads=16))
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_epochs=40)
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=40, by_epoch=True,
         milestones=[30], gamma=0.1)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
