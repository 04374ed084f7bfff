# Runtime shared by every attnvision config (mmdet 3.x conventions).
default_scope = 'mmdet'
# Registers the datasets, metrics and hooks of projects/common and installs
# the torch>=2.6 checkpoint-loading fix (projects/common/engine).
custom_imports = dict(imports=['projects.common'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))
# Stores torch's RNG state in checkpoints so --resume continues exactly;
# skips (and counts) updates whose loss is NaN or infinite, stops after 10
# such, and never writes a checkpoint of non-finite weights.
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='NonFiniteLossHook', action='skip', max_skips=10)
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
