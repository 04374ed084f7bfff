# OAT on COCO-Search18 (target present), objects = COCO instance boxes:
# OAT's model and recipe (as configs/oat/oat_amazon.py) over free-form
# boxes. Each image's boxes get grid positions from the rows and columns
# found in them (projects/oat/datasets/geometry.py; at most 14 x 14, the
# table size); the decoding length is the longest training scanpath, set
# by ScanpathLengthHook. Crops are RGB in [0, 1], as OAT's shelf data.
_base_ = [
    '../_base_/models/oat.py', '../_base_/datasets/coco_search18_scanpath.py',
    '../_base_/schedules/oat_500e.py'
]
custom_imports = dict(
    imports=['projects.common', 'projects.oat'], allow_failed_imports=False)
model = dict(
    crop_size={{_base_.crop_size}},
    data_preprocessor=dict(
        mean=(0., 0., 0.), std=(255., 255., 255.), bgr_to_rgb=True))
