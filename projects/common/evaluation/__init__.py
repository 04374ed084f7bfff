"""Metrics for the datasets that mmdet does not evaluate out of the box."""
from .exdark_metric import ExDarkMetric
from .metrics import SOTMetric
from .pidray_metric import PIDrayMetric

__all__ = ['ExDarkMetric', 'PIDrayMetric', 'SOTMetric']
