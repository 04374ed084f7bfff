# Relation-DETR, ResNet-50, 12 epochs on PIDray (12 classes). Model and
# schedule are the COCO recipe's; the data layout is that of
# configs/_base_/datasets/pidray_detection.py. Testing prints COCO AP on the
# easy / hard / hidden subsets and their mean (the paper's "overall").
_base_ = './relation-detr_r50_8xb2-12e_coco.py'

data_root = 'data/pidray/'
model = dict(bbox_head=dict(num_classes=12))

train_dataloader = dict(
    dataset=dict(
        type='PIDrayDataset',
        data_root=data_root,
        ann_file='annotations/xray_train.json',
        data_prefix=dict(img='train/')))

test_pipeline = [
    dict(type='SafeLoadImageFromFile'),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'subset'))
]
_subset = dict(
    type='PIDrayDataset', data_root=data_root, test_mode=True,
    pipeline=test_pipeline)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(_subset, subset='easy', data_prefix=dict(img='easy/'),
                 ann_file='annotations/xray_test_easy.json'),
            dict(_subset, subset='hard', data_prefix=dict(img='hard/'),
                 ann_file='annotations/xray_test_hard.json'),
            dict(_subset, subset='hidden', data_prefix=dict(img='hidden/'),
                 ann_file='annotations/xray_test_hidden.json'),
        ]))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='PIDrayMetric',
    ann_files=dict(
        easy=data_root + 'annotations/xray_test_easy.json',
        hard=data_root + 'annotations/xray_test_hard.json',
        hidden=data_root + 'annotations/xray_test_hidden.json'),
    metric='bbox')
test_evaluator = val_evaluator
