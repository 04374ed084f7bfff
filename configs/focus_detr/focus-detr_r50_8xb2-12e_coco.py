# Focus-DETR, ResNet-50, 12 epochs on COCO: the detrex recipe
# (configs/_base_/models/focus-detr_r50.py, schedules/focus-detr_12e.py,
# datasets/detr_augmentation.py). detrex result: 48.8 box AP.
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/focus-detr_r50.py',
    '../_base_/schedules/focus-detr_12e.py',
    '../_base_/datasets/detr_augmentation.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.focus_detr'],
    allow_failed_imports=False)

train_pipeline = {{_base_.detr_train_pipeline}}
train_dataloader = dict(
    # detectron2 drops images without annotations
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=True), pipeline=train_pipeline))
