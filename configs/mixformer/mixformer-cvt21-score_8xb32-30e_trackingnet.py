# MixFormer-22k on TrackingNet: search factor 4.5, update interval 25, one
# online template (official test settings); results in the server format.
_base_ = [
    './mixformer-cvt21-score_8xb32-30e_lasot.py',
    '../_base_/datasets/sot_trackingnet.py'
]
model = dict(
    test_cfg=dict(search_factor=4.5, update_interval=25, online_size=1))
val_dataloader = dict(
    dataset=dict(_delete_=True, **_base_.trackingnet_test_dataset))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.trackingnet_evaluator)
test_evaluator = val_evaluator
