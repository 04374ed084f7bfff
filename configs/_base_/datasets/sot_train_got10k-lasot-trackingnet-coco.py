# MixFormer / STARK training data: GOT-10k train minus the VOT videos
# (the official got10k_vot_train_split.txt, indices into train/list.txt,
# copied to data/got10k/), LaSOT train,
# TrackingNet TRAIN_0..11 and COCO 2017 boxes, sampled 1 : 1 : 1 : 1, a
# fixed quota of 60,000 template / search pairs per epoch (all GPUs).
# Layouts: data/README.md.
sot_train_datasets = [
    dict(type='GOT10kDataset', data_root='data/got10k/',
         loader_cfg=dict(split='train',
                         split_file='got10k_vot_train_split.txt')),
    dict(type='LaSOTDataset', data_root='data/lasot/',
         loader_cfg=dict(split_file='training_set.txt')),
    dict(type='TrackingNetDataset', data_root='data/trackingnet/',
         loader_cfg=dict(chunks='TRAIN')),
    dict(type='SOTCocoDataset', data_root='data/coco/',
         loader_cfg=dict(ann_file='annotations/instances_train2017.json',
                         img_prefix='train2017')),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='SOTPairDataset',
        datasets=sot_train_datasets,
        weights=[1, 1, 1, 1],
        samples_per_epoch=60000,
        mode='causal'))
