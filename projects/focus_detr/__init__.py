"""Focus-DETR (ICCV 2023) for MMDetection 3.x."""
from .focus_detr import FocusDETR
from .focus_detr_head import FocusDETRHead, foreground_targets
from .focus_detr_layers import (FocusDetrTransformerEncoder,
                                FocusDetrTransformerEncoderLayer)
from .foreground_selector import (ForegroundScorePredictor,
                                  ForegroundTokenSelector)

__all__ = [
    'FocusDETR', 'FocusDETRHead', 'FocusDetrTransformerEncoder',
    'FocusDetrTransformerEncoderLayer', 'ForegroundScorePredictor',
    'ForegroundTokenSelector', 'foreground_targets'
]
