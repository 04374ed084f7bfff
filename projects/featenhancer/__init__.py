"""FeatEnHancer (ICCV 2023): a learned low-light image enhancer in front of
any backbone (:class:`EnhancedBackbone`)."""
from .enhanced_backbone import EnhancedBackbone
from .featenhancer import FeatEnHancer, ScaleAwareFusion

__all__ = ['EnhancedBackbone', 'FeatEnHancer', 'ScaleAwareFusion']
