"""Exceptions raised by the photo pipeline.

Rejection codes (``PhotoRejected.code``) and the HTTP status the web layer should map them to:

``unsupported_media`` -> 415
    The bytes are not one of the accepted formats (JPEG, PNG, WebP, HEIC/HEIF), judged from the
    magic numbers only: SVG, GIF, PDF, HTML, ZIP, BMP, TIFF, AVIF, anything unknown.
``invalid_image`` -> 422
    Empty upload, or the bytes claim an accepted format but are not a clean image of it: truncated,
    corrupt, undecodable, or a polyglot carrying a ZIP archive (local-file header, central
    directory or end-of-central-directory record anywhere in the bytes).
``image_too_large`` -> 413
    More than ``PhotoLimits.max_bytes`` bytes, or header-declared dimensions above
    ``max_side`` / ``max_pixels`` / Pillow's decompression-bomb threshold (refused before decoding).

``PhotoProcessingError`` is *not* the client's fault: encoding failed or the re-encoded output did
not pass the metadata check. Map it to 500; the original bytes are never served instead.
"""

from __future__ import annotations

from typing import Final, Literal

RejectionCode = Literal["unsupported_media", "invalid_image", "image_too_large"]

UNSUPPORTED_MEDIA: Final = "unsupported_media"
INVALID_IMAGE: Final = "invalid_image"
IMAGE_TOO_LARGE: Final = "image_too_large"

HTTP_STATUS: Final[dict[str, int]] = {
    UNSUPPORTED_MEDIA: 415,
    INVALID_IMAGE: 422,
    IMAGE_TOO_LARGE: 413,
}


class PhotoRejected(Exception):
    """The upload is refused; ``code`` is stable (API contract), ``detail`` is for humans/logs."""

    def __init__(self, code: RejectionCode, detail: str) -> None:
        # Both values go to ``args`` so the exception pickles across a ProcessPoolExecutor.
        super().__init__(code, detail)
        self.code: RejectionCode = code
        self.detail = detail

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class PhotoProcessingError(RuntimeError):
    """Re-encoding or the post-encode metadata verification failed (server-side problem)."""
