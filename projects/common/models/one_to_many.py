"""One-to-many assignment by repeating the ground truth (H-DETR style)."""
from typing import List

from mmengine.structures import InstanceData


def repeat_instances(batch_gt_instances: List[InstanceData],
                     times: int) -> List[InstanceData]:
    """Repeat every image's ground truth ``times`` times.

    Matching predictions to ``times`` copies of each object with the usual
    Hungarian (one-to-one) assigner gives each object up to ``times``
    positive queries: the one-to-many branch of `H-DETR
    <https://arxiv.org/abs/2207.13080>`_, used by Relation-DETR's hybrid
    queries.
    """
    if times < 1:
        raise ValueError(f'times must be >= 1, got {times}')
    repeated = []
    for instances in batch_gt_instances:
        new = InstanceData(metainfo=instances.metainfo)
        for key, value in instances.items():
            new[key] = value.repeat(times, *[1] * (value.dim() - 1))
        repeated.append(new)
    return repeated
