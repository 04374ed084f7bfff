# Plain-DETR (BoxRPB), SimMIM pre-trained Swin-V2-S, 12 epochs on COCO: the
# official configs/swinv2_small_mim_pt_boxrpe.sh (48.7 AP): pre-training
# windows 12/12/12/6 (official swin_v2_small_window12to16_2global) and
# layer-wise lr decay 0.9 over the 24 blocks instead of a backbone lr; the
# rest as plain-detr_swinv2-s_16xb1-12e_coco.py.
#
# The MIM weights: download the official swinv2_small_1k_500k_mim_pt.pth
# (impiga/Plain-DETR tools/prepare_pt_model.sh), then
#   python tools/model_converters/plain_detr_to_mmdet.py \
#       swinv2_small_1k_500k_mim_pt.pth \
#       checkpoints/swinv2-s_simmim-500k_plain-detr.pth \
#       --config configs/plain_detr/plain-detr_swinv2-s-mim_16xb1-12e_coco.py
_base_ = ['./plain-detr_swinv2-s_16xb1-12e_coco.py']

model = dict(
    backbone=dict(
        pretrained_window_sizes=(12, 12, 12, 6),
        init_cfg=dict(
            type='Pretrained',
            prefix='backbone.',
            checkpoint='checkpoints/swinv2-s_simmim-500k_plain-detr.pth')))

# official --use_layerwise_decay --lr_decay_rate 0.9: backbone lr x
# 0.9 ** (25 - depth) (patch embedding 0, blocks 1..24, output norm 25)
optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True,
        layer_decay_rate=0.9,
        no_decay_names=[
            'norm', 'bias', 'rpb_mlp', 'cpb_mlp', 'logit_scale',
            'relative_position_bias_table', 'level_embed', 'reference_points',
            'sampling_offsets', 'rel_pos'
        ]))
