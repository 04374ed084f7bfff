# The official Plain-DETR optimiser and 12-epoch schedule (impiga/Plain-DETR
# main.py and configs/swinv2_small_sup_pt_boxrpe.sh): AdamW 2e-4, backbone
# 2e-5, weight decay 0.05 except on the official no-decay names (norm, bias,
# cpb_mlp, level_embed, logit_scale, relative_position_bias_table), clip
# 0.1; linear warm-up over 1000 iterations, lr x0.1 after epoch 11.
# mmengine applies only the longest matching key, so the backbone key
# carries the backbone's lr alone (ResNet-50's trainable convolutions have
# neither norms nor biases).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0.05),
    clip_grad=dict(max_norm=0.1, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'norm': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'cpb_mlp': dict(decay_mult=0.0),
            'level_embed': dict(decay_mult=0.0),
            'logit_scale': dict(decay_mult=0.0),
            'relative_position_bias_table': dict(decay_mult=0.0),
        }))

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
