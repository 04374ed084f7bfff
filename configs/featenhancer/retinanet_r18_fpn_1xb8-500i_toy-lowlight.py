# RetinaNet with a from-scratch ResNet-18 for CPU training on the low-light
# toy shapes (128 px; tools/misc/make_toy_data.py --out data/toy_lowlight
# --low-light): the baseline of the toy pair, beside
# retinanet_r18-featenhancer_fpn_1xb8-500i_toy-lowlight.py. Test it on the
# normal-light toy too with --cfg-options test_dataloader.dataset.data_root=
# data/toy/ test_evaluator.ann_file=data/toy/annotations/test.json
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/datasets/toy_detection.py', '../_base_/schedules/toy_500i.py'
]
custom_imports = dict(imports=['projects.common'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        depth=18,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=None),  # from scratch: nothing to download
    neck=dict(in_channels=[128, 256, 512], start_level=0, out_channels=64),
    bbox_head=dict(num_classes=3, in_channels=64, feat_channels=64))

data_root = 'data/toy_lowlight/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = dict(ann_file=data_root + 'annotations/test.json')
