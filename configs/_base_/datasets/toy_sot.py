# Single-object tracking on the toy video of tools/misc/make_toy_data.py
# (one sequence per shape track): the LaSOT test loader and OPE metric
# (sot_lasot.py) on ToySOTDataset, without visibility flags or result
# files. Training pairs and crop sizes are set by the model config.
_base_ = './sot_lasot.py'
data_root = 'data/toy/'
val_dataloader = dict(
    num_workers=0,
    dataset=dict(
        _delete_=True,
        type='ToySOTDataset',
        data_root=data_root,
        test_mode=True,
        pipeline={{_base_.sot_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='SOTMetric', metric='OPE')
test_evaluator = val_evaluator
