# The official BiFormer RetinaNet schedule: AdamW lr 1e-4, weight decay
# 1e-4, no paramwise rule, no clipping ("follow WaveViT"); 12 epochs, steps
# 8 / 11, warm-up 500; fp16 with a static loss scale of 512.
_base_ = './schedule_1x.py'

optim_wrapper = dict(
    _delete_=True,
    type='AmpOptimWrapper',
    loss_scale=512.,
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4))
