# The toy pair's second half: retinanet_r18_fpn_1xb8-500i_toy-lowlight.py
# (same data, schedule and seed) with FeatEnHancer in front of its backbone.
_base_ = './retinanet_r18_fpn_1xb8-500i_toy-lowlight.py'
custom_imports = dict(
    imports=['projects.common', 'projects.featenhancer'],
    allow_failed_imports=False)
model = dict(
    backbone=dict(
        _delete_=True,
        type='EnhancedBackbone',
        enhancer=dict(type='FeatEnHancer'),
        backbone={{_base_.model.backbone}}))
