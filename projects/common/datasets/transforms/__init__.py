from .loading import CorruptImageError, SafeLoadImageFromFile, check_image_bytes

__all__ = ['CorruptImageError', 'SafeLoadImageFromFile', 'check_image_bytes']
