# Relation-DETR with a BiFormer-S backbone, 12 epochs on COCO: the
# Relation-DETR recipe (configs/_base_/models/relation-detr_r50.py,
# schedules/relation-detr_12e.py, datasets/detr_augmentation.py) with
# BiFormer-S (n_win 16, auto-pad, drop path 0.2, ImageNet-1k weights) giving
# strides 8 / 16 / 32. No official result exists for this pair.
_base_ = [
    '../relation_detr/relation-detr_r50_8xb2-12e_coco.py',
    '../_base_/models/biformer-s.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.relation_detr', 'projects.biformer'],
    allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True, **_base_.biformer_s, out_indices=(1, 2, 3)),
    neck=dict(in_channels=[128, 256, 512]))
