"""mmengine datasets over the SOT layout parsers (:mod:`.loaders`).

The data list is video-level (one record per video). In test mode the
dataset is indexed by frame: ``len(dataset)`` is the total number of frames
and item ``i`` is the pipeline result of one frame dict (videos one after
the other, frames in order)::

    dict(img_path=str, video_id=int, video_name=str, frame_id=int,
         video_length=int, gt_bbox=np.float32 (4,) x, y, w, h,
         visible=bool, cover=int (-1 without cover labels),
         init_bbox=np.float32 (4,) x, y, w, h of frame 0)

Outside test mode ``len`` is the number of videos and item ``i`` is the
pipeline result of video record ``i`` (plus ``video_id``), for a pipeline
that samples frames itself.
"""
import copy
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dataset.base_dataset import force_full_init

from mmdet.registry import DATASETS
from .loaders import LOADERS


@DATASETS.register_module()
class BaseSOTDataset(BaseDataset):
    """Single-object-tracking dataset on one of the official layouts.

    Args:
        dataset_type (str): 'lasot', 'got10k', 'trackingnet', 'otb', 'vot'
            'toy' or 'coco' (see :mod:`projects.common.datasets.sot.loaders`).
        data_root (str): Root folder passed to the parser.
        loader_cfg (dict, optional): Keyword arguments of the parser, e.g.
            ``dict(split_file='testing_set.txt')`` for LaSOT,
            ``dict(split='test')`` for GOT-10k,
            ``dict(chunks=('TRAIN_0',))`` for TrackingNet.
        test_mode (bool): Index frames instead of videos. Defaults to False.
        pipeline (list): Transforms applied to each item.
        serialize_data (bool): Defaults to False (records hold arrays and
            per-frame access reads them directly).
        **kwargs: Passed to :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = {'classes': ('target', )}
    DATASET_TYPE: Optional[str] = None

    def __init__(self,
                 dataset_type: Optional[str] = None,
                 data_root: str = '',
                 loader_cfg: Optional[dict] = None,
                 test_mode: bool = False,
                 pipeline: Sequence = (),
                 serialize_data: bool = False,
                 **kwargs):
        dataset_type = dataset_type or self.DATASET_TYPE
        if dataset_type not in LOADERS:
            raise ValueError(
                f'{type(self).__name__}: dataset_type={dataset_type!r}; use '
                f'one of {sorted(LOADERS)}')
        if self.DATASET_TYPE and dataset_type != self.DATASET_TYPE:
            raise ValueError(
                f'{type(self).__name__} reads {self.DATASET_TYPE!r} data, '
                f'not dataset_type={dataset_type!r}; use BaseSOTDataset')
        if not data_root:
            raise ValueError(f'{type(self).__name__}: data_root is empty; '
                             'set it to the dataset root folder')
        self.dataset_type = dataset_type
        self.loader_cfg = dict(loader_cfg or {})
        self._frame_ends = np.zeros(0, np.int64)
        super().__init__(data_root=data_root, test_mode=test_mode,
                         pipeline=list(pipeline),
                         serialize_data=serialize_data, **kwargs)

    # ------------------------------------------------------------ loading
    def load_data_list(self):
        records = LOADERS[self.dataset_type](self.data_root,
                                             **self.loader_cfg)
        for video_id, record in enumerate(records):
            if not record['frames']:
                raise ValueError(f'{record["video_name"]}: no frames')
            record['video_id'] = video_id
        return records

    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        self._update_frame_ends()

    def _update_frame_ends(self):
        lengths = [len(self._record(i)['frames'])
                   for i in range(self.num_videos)]
        self._frame_ends = np.cumsum(np.asarray(lengths, np.int64))

    @force_full_init
    def get_subset_(self, indices):
        """Keep the videos of ``indices`` (video indices, also in test
        mode)."""
        super().get_subset_(indices)
        self._update_frame_ends()

    @force_full_init
    def get_subset(self, indices):
        """A copy holding the videos of ``indices`` (video indices)."""
        subset = super().get_subset(indices)
        subset._update_frame_ends()
        return subset

    # ------------------------------------------------------------ videos
    @property
    @force_full_init
    def num_videos(self) -> int:
        if self.serialize_data:
            return len(self.data_address)
        return len(self.data_list)

    def _record(self, video_idx: int) -> dict:
        """The stored record (not a copy when unserialized)."""
        if self.serialize_data:
            return BaseDataset.get_data_info(self, video_idx)
        return self.data_list[video_idx]

    def _video_index(self, video_idx: int) -> int:
        n = self.num_videos
        index = int(video_idx)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f'video index {video_idx} out of range '
                             f'({n} videos)')
        return index

    @force_full_init
    def get_video(self, video_idx: int) -> dict:
        """A copy of the record of one video."""
        index = self._video_index(video_idx)
        record = copy.deepcopy(self._record(index))
        record['video_id'] = index
        return record

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Video record ``idx`` (the data list is video-level)."""
        return self.get_video(idx)

    @property
    @force_full_init
    def num_frames(self) -> int:
        return int(self._frame_ends[-1]) if len(self._frame_ends) else 0

    @force_full_init
    def video_frame_range(self, video_idx: int) -> range:
        """Test-mode indices of the frames of one video, in order."""
        end = int(self._frame_ends[video_idx])
        start = int(self._frame_ends[video_idx - 1]) if video_idx else 0
        return range(start, end)

    # ------------------------------------------------------------ frames
    @force_full_init
    def frame_index(self, idx: int):
        """(video index, frame index) of global frame ``idx``."""
        total = self.num_frames
        index = int(idx)
        if index < 0:
            index += total
        if not 0 <= index < total:
            raise IndexError(f'frame index {idx} out of range ({total} '
                             f'frames in {self.num_videos} videos)')
        video = int(np.searchsorted(self._frame_ends, index, side='right'))
        start = int(self._frame_ends[video - 1]) if video else 0
        return video, index - start

    @force_full_init
    def get_frame_info(self, idx: int) -> dict:
        """The frame dict of global frame ``idx`` (before the pipeline)."""
        video_idx, frame_id = self.frame_index(idx)
        record = self._record(video_idx)
        cover = record.get('cover')
        return dict(
            img_path=record['frames'][frame_id],
            video_id=video_idx,
            video_name=record['video_name'],
            frame_id=frame_id,
            video_length=len(record['frames']),
            gt_bbox=record['gt_bboxes'][frame_id].copy(),
            visible=bool(record['visible'][frame_id]),
            cover=-1 if cover is None else int(cover[frame_id]),
            init_bbox=record['gt_bboxes'][0].copy())

    @force_full_init
    def __len__(self) -> int:
        return self.num_frames if self.test_mode else self.num_videos

    def __getitem__(self, idx: int):
        if not self._fully_initialized:
            self.full_init()
        if self.test_mode:
            data = self.pipeline(self.get_frame_info(idx))
            if data is None:
                raise RuntimeError(
                    f'the test pipeline returned None for frame {idx} '
                    f'({self.get_frame_info(idx)["img_path"]})')
            return data
        return super().__getitem__(idx)


@DATASETS.register_module()
class LaSOTDataset(BaseSOTDataset):
    """LaSOT (``loader_cfg``: split_file, video_names)."""
    DATASET_TYPE = 'lasot'


@DATASETS.register_module()
class GOT10kDataset(BaseSOTDataset):
    """GOT-10k (``loader_cfg``: split)."""
    DATASET_TYPE = 'got10k'


@DATASETS.register_module()
class TrackingNetDataset(BaseSOTDataset):
    """TrackingNet (``loader_cfg``: chunks)."""
    DATASET_TYPE = 'trackingnet'


@DATASETS.register_module()
class OTBDataset(BaseSOTDataset):
    """OTB-style folders (``loader_cfg``: start_frames)."""
    DATASET_TYPE = 'otb'


@DATASETS.register_module()
class VOTDataset(BaseSOTDataset):
    """VOT-style folders."""
    DATASET_TYPE = 'vot'


@DATASETS.register_module()
class ToySOTDataset(BaseSOTDataset):
    """The toy video of tools/misc/make_toy_data.py, one sequence per
    track (``loader_cfg``: frames_dir)."""
    DATASET_TYPE = 'toy'


@DATASETS.register_module()
class SOTCocoDataset(BaseSOTDataset):
    """COCO boxes as one-frame sequences, for tracker training
    (``loader_cfg``: ann_file, img_prefix)."""
    DATASET_TYPE = 'coco'
