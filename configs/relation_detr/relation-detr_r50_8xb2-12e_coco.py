# Relation-DETR, ResNet-50, 12 epochs on COCO: the official recipe
# (configs/_base_/models/relation-detr_r50.py, schedules/relation-detr_12e.py,
# datasets/detr_augmentation.py). Official result: 51.7 box AP.
_base_ = [
    '../_base_/datasets/coco_detection.py', '../_base_/default_runtime.py',
    '../_base_/models/relation-detr_r50.py',
    '../_base_/schedules/relation-detr_12e.py',
    '../_base_/datasets/detr_augmentation.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.relation_detr'],
    allow_failed_imports=False)

train_pipeline = {{_base_.detr_train_pipeline}}
train_dataloader = dict(
    # the official training drops images without annotations
    dataset=dict(
        filter_cfg=dict(filter_empty_gt=True), pipeline=train_pipeline))
