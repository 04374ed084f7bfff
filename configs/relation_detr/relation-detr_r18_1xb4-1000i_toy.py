# Relation-DETR shrunk for CPU training on the toy shapes (128 px): the R-50
# model of the recipe with a from-scratch, half-width ResNet-18, a 128-d
# transformer with 3+3 layers, 30 queries + 30 hybrid queries and 20
# denoising queries; one process, batch 4, 1000 iterations. The embedded
# default of `make demo`, which must
# train, test and annotate the toy video within 10 minutes on 2 CPU cores.
#
# What it trades against the R-50 recipe (measured on 2 cores with
# `make demo`, tools/misc/run_demo.py --train-seed N):
# - 30 queries (+ 30 hybrid) instead of 900 (+ 1500): a toy image holds at
#   most 4 shapes (hybrid: 4 x 6 copies = 24 <= 30); the training step
#   was 0.92 s against 1.45 s with 100 + 100 (0.63x);
# - a half-width ResNet-18 (base_channels 32: 64/128/256 channels into the
#   neck instead of 128/256/512), from scratch: about 0.7-0.8x the step of
#   the full width (seed 1: 0.636 with the full width and 500 iterations
#   of batch 8, 0.682 with the half width and 600);
# - AdamW betas (0.9, 0.99) instead of (0.9, 0.999): over a short run a
#   second moment of 0.999 averages the whole run and lags the gradients'
#   change of scale (seed 1: 0.713 against 0.682, batch 8);
# - batch 4 and 1000 iterations instead of batch 8 and 600: a step of 4
#   images costs 0.58x one of 8 (0.37 s against 0.63 s), so the same
#   minutes buy 1.7x the updates for 0.83x the images; the model is
#   under-trained, not over-fitted, at this budget, and more updates win:
#   toy test bbox mAP 0.791 / 0.799 / 0.760 for training seeds 0 / 1 / 2
#   in 8.0 / 8.0 / 8.6 minutes end to end, against 0.650 for seed 0 with
#   batch 8 x 600 (lr 1e-3) on the same machine and day (9.0 minutes;
#   0.723 / 0.775 / 0.718 on the machine of the previous stop). With the
#   hybrid queries decoded beside the primary ones (the same numbers up to
#   float rounding) and the toy data version 2 (23 hidden training shapes
#   ignored), both of which move the trajectories: 0.737 / 0.740 / 0.755
#   in 8.8 / 9.0 / 9.5 minutes on a slower day;
# - an EMA of the weights (momentum 0.01) tested on seed 0 of that code:
#   0.704 against 0.737 without (the same trajectory): not used;
# - 20 denoising queries instead of 50: at batch 4 (1-4 shapes an image)
#   the 50 make about 100 denoising queries beside the 30 matching ones,
#   the 20 about 40. Training iterations 12 % shorter (0.404 / 0.414 s
#   against 0.465 / 0.462 s, alternate 160-iteration runs) and a better
#   detector: toy test bbox mAP 0.843 / 0.831 / 0.754 for seeds 0 / 1 / 2
#   in 7.3 / 7.5 / 7.9 minutes end to end, against 0.737 / 0.740 / 0.755
#   in 8.8 / 9.0 / 9.5 with 50, the same day and code.
# - lr 7e-4 for batch 4 (1e-3 for batch 8 scaled by the square root of the
#   batch ratio, as for Adam), a warm-up of 100 iterations, x0.1 at 85 %.
# A cosine decay after the warm-up instead of the step at 85 % trained much
# worse in this budget (seed 1: 0.31, former width and betas): the class
# scores sharpen only once the boxes are good, which needs the long high-lr
# phase.
_base_ = [
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py',
    '../_base_/models/relation-detr_r50.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.relation_detr'],
    allow_failed_imports=False)

embed_dims = 128
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# the base schedule with a 100-iteration warm-up and its step moved to 85 %
# of these iterations
param_scheduler = [
    dict(_base_.param_scheduler[0], end=100),
    dict(_base_.param_scheduler[1], end=max_iters,
         milestones=[int(max_iters * 0.85)])
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
train_dataloader = dict(batch_size=4)
# 1 process x 4 images. --auto-scale-lr scales lr linearly to your batch.
auto_scale_lr = dict(base_batch_size=4)

model = dict(
    num_queries=30,
    num_hybrid_queries=30,
    backbone=dict(
        depth=18,
        base_channels=32,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),  # from scratch: nothing to download
    neck=dict(in_channels=[64, 128, 256], out_channels=embed_dims),
    encoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=embed_dims),
            ffn_cfg=dict(embed_dims=embed_dims, feedforward_channels=512))),
    decoder=dict(
        num_layers=3,
        layer_cfg=dict(
            self_attn_cfg=dict(embed_dims=embed_dims),
            cross_attn_cfg=dict(embed_dims=embed_dims),
            ffn_cfg=dict(embed_dims=embed_dims, feedforward_channels=512))),
    positional_encoding=dict(num_feats=embed_dims // 2),
    bbox_head=dict(num_classes=3, embed_dims=embed_dims),
    dn_cfg=dict(group_cfg=dict(num_dn_queries=20)),
    test_cfg=dict(max_per_img=30))

optim_wrapper = dict(
    optimizer=dict(lr=7e-4, betas=(0.9, 0.99)),
    paramwise_cfg=dict(
        custom_keys={
            'sampling_offsets.bias': dict(lr_mult=0.1, decay_mult=0.0),
            'sampling_offsets': dict(lr_mult=0.1),
            'norm': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
        }))
