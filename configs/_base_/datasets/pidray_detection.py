# PIDray (X-ray prohibited items), official COCO-format release:
#   data/pidray/annotations/xray_train.json, xray_test_{easy,hard,hidden}.json
#   data/pidray/{train,easy,hard,hidden}/*.png
# Training as COCO's. One test run evaluates easy, hard and hidden;
# PIDrayMetric prints each subset's COCO AP and the overall figure (the mean
# of the three, as in the paper).
_base_ = './coco_detection.py'

dataset_type = 'PIDrayDataset'
data_root = 'data/pidray/'

test_pipeline = [
    dict(type='SafeLoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        # 'subset' lets PIDrayMetric report easy / hard / hidden
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'subset'))
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/xray_train.json',
        data_prefix=dict(img='train/')))

# PIDray has no validation split: validation runs on the test subsets.
_subset = dict(
    type=dataset_type, data_root=data_root, test_mode=True,
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
