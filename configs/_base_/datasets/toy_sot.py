# Single-object tracking on the toy video of tools/misc/make_toy_data.py
# (one sequence per shape track). Training: template / search pairs
# (SOTPairDataset, a fixed quota per epoch); testing: every frame of every
# sequence in order, batch 1, OPE metrics (success AUC, precision,
# normalised precision). Crop sizes are set by the model config.
data_root = 'data/toy/'
sot_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackSOTInputs')
]
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    # whole videos per process, frames in order (trackers keep state)
    sampler=dict(type='SOTVideoSampler'),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='ToySOTDataset',
        data_root=data_root,
        test_mode=True,
        pipeline=sot_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='SOTMetric', metric='OPE')
test_evaluator = val_evaluator
