# mmdet's RetinaNet 1x schedule: the 1x steps with SGD lr 0.01 (8 GPUs x 2
# images).
_base_ = './schedule_1x.py'

optim_wrapper = dict(optimizer=dict(lr=0.01))
