# The official Plain-DETR optimiser and 12-epoch schedule (impiga/Plain-DETR
# main.py and configs/swinv2_small_sup_pt_boxrpe.sh): AdamW 2e-4, backbone
# 2e-5, weight decay 0.05 except on the official no-decay names (norm, bias,
# cpb_mlp, level_embed, logit_scale, relative_position_bias_table), clip
# 0.1; linear warm-up over 1000 iterations, lr x0.1 after epoch 11.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='ParamNameOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        # official --lr_backbone 2e-5 (the upsampling ConvTranspose, here
        # neck.0, keeps 2e-4 as officially)
        lr_mults={'backbone.': 0.1},
        # official --wd_norm_names with --wd_norm_mult 0.0; every rule
        # applies (a backbone norm: lr x0.1 and no decay)
        no_decay_names=[
            'norm', 'bias', 'rpb_mlp', 'cpb_mlp', 'logit_scale',
            'relative_position_bias_table', 'level_embed', 'reference_points',
            'sampling_offsets', 'rel_pos'
        ]))

max_epochs = 12
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    # official: lr x it / 1000 during the first 1000 iterations
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[11],
        gamma=0.1)
]

# official: 16 GPUs x 1 image; --auto-scale-lr scales lr to your batch
auto_scale_lr = dict(enable=False, base_batch_size=16)
