"""Photo-evidence pipeline: validation, EXIF extraction, metadata-free re-encoding, storage.

Pure library code (no DB, no web). See ``media.pipeline`` for the processing order and
``media.errors`` for the rejection codes and their HTTP mapping.
"""

from .dhash import dhash_from_signed, dhash_to_signed, hamming
from .errors import HTTP_STATUS, PhotoProcessingError, PhotoRejected, RejectionCode
from .pipeline import (
    DISPLAY_MAX_SIDE,
    OUTPUT_CONTENT_TYPE,
    THUMB_MAX_SIDE,
    PhotoLimits,
    ProcessedPhoto,
    process_photo,
)
from .storage import LocalStorage, PhotoStorage, content_key

__all__ = [
    "DISPLAY_MAX_SIDE",
    "HTTP_STATUS",
    "OUTPUT_CONTENT_TYPE",
    "THUMB_MAX_SIDE",
    "LocalStorage",
    "PhotoLimits",
    "PhotoProcessingError",
    "PhotoRejected",
    "PhotoStorage",
    "ProcessedPhoto",
    "RejectionCode",
    "content_key",
    "dhash_from_signed",
    "dhash_to_signed",
    "hamming",
    "process_photo",
]
