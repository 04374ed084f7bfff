# RetinaNet R-50 with FeatEnHancer in front of the backbone, 1x on ExDark:
# the schedule, data and detector of retinanet_r50_fpn_8xb2-1x_exdark.py.
# The official FeatEnHancer recipe uses Featurized Query R-CNN (detectron2,
# R-101, AdamW 2.5e-6, 50k iterations of batch 8), which mmdet does not
# have; the authors' mmdet RetinaNet config was never published.
_base_ = './retinanet_r50_fpn_8xb2-1x_exdark.py'
custom_imports = dict(
    imports=['projects.common', 'projects.featenhancer'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='EnhancedBackbone',
        enhancer=dict(type='FeatEnHancer'),
        backbone={{_base_.model.backbone}}))
