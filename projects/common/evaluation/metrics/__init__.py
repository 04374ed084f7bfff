"""mmengine metrics built on :mod:`projects.common.evaluation.functional`."""
from .sot_metric import SOTMetric

__all__ = ['SOTMetric']
