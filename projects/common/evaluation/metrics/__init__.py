"""mmengine metrics (the mmdet layout: the numpy maths they call lives in
:mod:`projects.common.evaluation.functional`)."""
from .exdark_metric import ExDarkMetric
from .pidray_metric import PIDrayMetric
from .sot_metric import SOTMetric

__all__ = ['ExDarkMetric', 'PIDrayMetric', 'SOTMetric']
