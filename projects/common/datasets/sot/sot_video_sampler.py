"""Test-time sampler of single-object-tracking datasets: whole videos per
process, frames in order."""
from typing import Iterator, List, Optional

from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from mmdet.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class SOTVideoSampler(Sampler):
    """Yield the frames of whole videos in order, each video on one process.

    A tracker carries its memory from frame to frame, so a video must not be
    split across processes (mmengine's ``DefaultSampler`` would). Videos are
    dealt to the processes greedily by frame count (longest first, to the
    least loaded process), then each process visits its videos in dataset
    order. Pair it with a metric that gathers unequal shares, such as
    ``SOTMetric``.

    Args:
        dataset: A test-mode :class:`BaseSOTDataset` (``num_videos`` and
            ``video_frame_range``).
        seed: Unused (the order is fixed); accepted for mmengine.
        rank, world_size (int, optional): Override the distributed info.
    """

    def __init__(self, dataset, seed: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None) -> None:
        if not hasattr(dataset, 'video_frame_range'):
            raise TypeError(
                f'SOTVideoSampler needs a single-object-tracking dataset '
                f'(BaseSOTDataset in test mode), got {type(dataset).__name__}')
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        ranges = [dataset.video_frame_range(v)
                  for v in range(dataset.num_videos)]
        loads = [0] * self.world_size
        owner = [0] * len(ranges)
        for v in sorted(range(len(ranges)), key=lambda i: -len(ranges[i])):
            target = min(range(self.world_size), key=lambda r: loads[r])
            owner[v] = target
            loads[target] += len(ranges[v])
        self.indices: List[int] = [
            i for v, r in enumerate(ranges) if owner[v] == self.rank for i in r
        ]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def set_epoch(self, epoch: int) -> None:
        """Nothing to reshuffle."""
