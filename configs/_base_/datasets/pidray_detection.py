# PIDray (X-ray prohibited items), official COCO-format release:
#   data/pidray/annotations/xray_train.json, xray_test_{easy,hard,hidden}.json
#   data/pidray/{train,easy,hard,hidden}/*.png
# One test run evaluates easy, hard and hidden; PIDrayMetric prints each
# subset's COCO AP and the overall figure (mean of the three, as in the paper).
dataset_type = 'PIDrayDataset'
data_root = 'data/pidray/'
backend_args = None

train_pipeline = [
    dict(type='SafeLoadImageFromFile', skip_bad=True,
         backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='SafeLoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        # 'subset' lets PIDrayMetric report easy / hard / hidden
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'subset'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/xray_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))


def _subset(name):
    return dict(
        type=dataset_type,
        subset=name,
        data_root=data_root,
        ann_file=f'annotations/xray_test_{name}.json',
        data_prefix=dict(img=f'{name}/'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args)


# PIDray has no validation split: validation runs on the test subsets.
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[_subset('easy'), _subset('hard'), _subset('hidden')]))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='PIDrayMetric',
    ann_files=dict(
        easy=data_root + 'annotations/xray_test_easy.json',
        hard=data_root + 'annotations/xray_test_hard.json',
        hidden=data_root + 'annotations/xray_test_hidden.json'),
    metric='bbox',
    backend_args=backend_args)
test_evaluator = val_evaluator
