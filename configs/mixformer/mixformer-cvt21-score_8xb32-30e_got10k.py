# MixFormer-22k on the GOT-10k test set: search factor 4.55, update interval
# 10, 2 online templates, score decay 0.98 (official settings of the
# GOT-10k-only model); results in the server format.
_base_ = [
    './mixformer-cvt21-score_8xb32-30e_lasot.py',
    '../_base_/datasets/sot_got10k.py'
]
model = dict(
    test_cfg=dict(
        search_factor=4.55, update_interval=10, online_size=2,
        max_score_decay=0.98))
val_dataloader = dict(
    dataset=dict(_delete_=True, **_base_.got10k_test_dataset))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.got10k_evaluator)
test_evaluator = val_evaluator
