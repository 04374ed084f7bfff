# COCO-Search18 target-present scanpaths (split1 train / validation files of
# the official release) over COCO's instance boxes. The images are COCO
# 2014's; COCO 2017's train and val folders hold them all. Fixations are
# mapped from the 1680 x 1050 screen back to the images (centred padding).
dataset_type = 'COCOSearch18Dataset'
data_root = 'data/'
crop_size = (150, 93)
scanpath_pipeline = [
    dict(type='LoadObjectCrops', crop_size=crop_size),
    dict(type='PackScanpathInputs')
]
_coco = dict(
    type=dataset_type,
    data_root=data_root,
    instances_file=[
        'coco/annotations/instances_train2017.json',
        'coco/annotations/instances_val2017.json'
    ],
    img_dirs=['coco/train2017/', 'coco/val2017/'],
    max_grid=14,
    pipeline=scanpath_pipeline)
_loader = dict(
    num_workers=2,
    persistent_workers=True,
    collate_fn=dict(type='pseudo_collate'))
train_dataloader = dict(
    _loader,
    batch_size=20,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _coco,
        ann_file='coco_search18/coco_search18_fixations_TP_train_split1.json'))
val_dataloader = dict(
    _loader,
    batch_size=1,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _coco,
        ann_file='coco_search18/'
        'coco_search18_fixations_TP_validation_split1.json',
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='ScanpathMetric')
test_evaluator = val_evaluator
