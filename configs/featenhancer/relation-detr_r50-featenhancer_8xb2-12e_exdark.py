# Relation-DETR R-50 with FeatEnHancer in front of the backbone, 12 epochs
# on ExDark: configs/relation_detr/relation-detr_r50_8xb2-12e_exdark.py
# (AdamW 1e-4, the official Relation-DETR schedule) with the enhancer.
_base_ = '../relation_detr/relation-detr_r50_8xb2-12e_exdark.py'
custom_imports = dict(
    imports=['projects.common', 'projects.relation_detr',
             'projects.featenhancer'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='EnhancedBackbone',
        enhancer=dict(type='FeatEnHancer'),
        backbone={{_base_.model.backbone}}))
# the schedule's 'backbone' key (lr x0.1) would also match the enhancer
# (backbone.enhancer.*): the enhancer keeps the base lr
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.enhancer': dict(lr_mult=1.0)}))
