# RetinaNet, ResNet-50, 1x on ExDark (12 classes): mmdet's RetinaNet recipe
# (SGD lr 0.01 for 8 GPUs x 2 images, steps at epochs 8 and 11), the
# baseline beside retinanet_r50-featenhancer_fpn_8xb2-1x_exdark.py.
_base_ = [
    '../_base_/datasets/exdark_detection.py', '../_base_/default_runtime.py',
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/schedules/retinanet_1x.py'
]
custom_imports = dict(imports=['projects.common'], allow_failed_imports=False)
model = dict(bbox_head=dict(num_classes=12))
