from .functional import (BEHAVIOUR_KEYS, behaviour_delta,
                         behaviour_statistics, edit_distance, multimatch,
                         path_behaviour, sequence_score)
from .scanpath_metric import ScanpathMetric

__all__ = [
    'ScanpathMetric', 'sequence_score', 'edit_distance', 'path_behaviour',
    'behaviour_statistics', 'behaviour_delta', 'multimatch',
    'BEHAVIOUR_KEYS'
]
