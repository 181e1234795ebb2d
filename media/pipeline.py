"""Photo-evidence ingest: validate untrusted bytes, read EXIF, re-encode clean variants.

``process_photo`` is synchronous and CPU bound; run it in a thread or process pool. Order of work:

1. size limit, magic-number sniffing (never filename/Content-Type), ZIP-polyglot scan, cheap
   structural truncation checks -- all on raw bytes;
2. lazy ``Image.open`` restricted to the sniffed plugin, with Pillow's ``DecompressionBombWarning``
   turned into an error; header-declared dimensions are checked against ``PhotoLimits`` *before*
   any pixel is decoded;
3. a single decode -- JPEG uses DCT scaling (``draft``) sized for the display variant;
4. EXIF (orientation, GPS, capture time) is read from the opened file, then: resize, ICC -> sRGB,
   orientation transpose on the reduced image, thumbnail derived from the display variant,
   dHash from the thumbnail;
5. both variants are encoded as baseline JPEG with empty ``info`` (no EXIF/XMP/ICC/comment), and
   the output's marker list is verified before returning. Nothing ever falls back to the input.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Final

import pillow_heif
from PIL import Image, ImageFile

from .color import flatten_alpha, normalize_mode, to_srgb
from .dhash import dhash as compute_dhash
from .dhash import dhash_to_signed
from .errors import IMAGE_TOO_LARGE, INVALID_IMAGE, PhotoProcessingError, PhotoRejected
from .metadata import read_metadata
from .sniff import (
    HEIF,
    JPEG,
    PNG,
    WEBP,
    JpegStructureError,
    SniffedType,
    find_zip_structure,
    jpeg_has_eoi_after_scan,
    sniff,
    verify_clean_jpeg,
)

pillow_heif.register_heif_opener()

DISPLAY_MAX_SIDE: Final = 1600
THUMB_MAX_SIDE: Final = 320
DISPLAY_QUALITY: Final = 82
THUMB_QUALITY: Final = 80
OUTPUT_CONTENT_TYPE: Final = "image/jpeg"

_RESAMPLE: Final = Image.Resampling.BICUBIC
_TRANSPOSE: Final[dict[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# warnings.catch_warnings() swaps process-global state; serialise the (header-only, sub-ms) open
# so concurrent threads cannot restore each other's filter lists.
_open_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 50_000_000
    max_side: int = 12_000

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_pixels, self.max_side) <= 0:
            raise ValueError("PhotoLimits values must be positive")


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    sha256: str  # hex digest of the ORIGINAL upload (same-owner dedupe)
    content_type: str  # sniffed type of the original, e.g. "image/jpeg", "image/heic"
    width: int  # oriented original
    height: int
    taken_at: datetime | None  # aware; EXIF OffsetTime* or Asia/Shanghai
    gps: tuple[float, float] | None  # (lat, lng) signed decimal degrees
    display: bytes  # long side <= 1600, metadata-free JPEG
    thumb: bytes  # long side <= 320, metadata-free JPEG
    display_size: tuple[int, int]
    thumb_size: tuple[int, int]
    dhash: int  # unsigned 64-bit; see dhash_signed for BIGINT storage
    output_content_type: str = OUTPUT_CONTENT_TYPE

    @property
    def dhash_signed(self) -> int:
        return dhash_to_signed(self.dhash)


def process_photo(data: bytes, limits: PhotoLimits | None = None) -> ProcessedPhoto:
    """Validate and re-encode one upload; raise ``PhotoRejected`` if it is not acceptable."""
    limits = limits or PhotoLimits()
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise PhotoRejected(IMAGE_TOO_LARGE, f"{len(data)} bytes exceeds {limits.max_bytes}")
    kind = sniff(data)
    _check_container(data, kind)
    digest = hashlib.sha256(data).hexdigest()

    im = _open(data, kind, limits)
    try:
        width, height = im.size
        target = _fit(im.size, DISPLAY_MAX_SIDE)
        frame, box, icc_profile = _decode(im, kind, target)
        # EXIF is read after the single decode (PNG may keep eXIf after IDAT, and reading it
        # first would make Pillow decode behind our back) but before anything is encoded.
        meta = read_metadata(im, data, heif=kind.pil_format == HEIF)
        display, thumb = _derive(frame, box, target, icc_profile, meta.orientation)
        display_bytes = _encode(display, DISPLAY_QUALITY)
        thumb_bytes = _encode(thumb, THUMB_QUALITY)
        hash_value = compute_dhash(thumb)
    finally:
        im.close()
    if meta.orientation >= 5:
        width, height = height, width
    return ProcessedPhoto(
        sha256=digest,
        content_type=kind.content_type,
        width=width,
        height=height,
        taken_at=meta.taken_at,
        gps=meta.gps,
        display=display_bytes,
        thumb=thumb_bytes,
        display_size=display.size,
        thumb_size=thumb.size,
        dhash=hash_value,
    )


def _check_container(data: bytes, kind: SniffedType) -> None:
    """Byte-level checks that do not trust Pillow's global LOAD_TRUNCATED_IMAGES setting."""
    if (zip_record := find_zip_structure(data)) is not None:
        raise PhotoRejected(INVALID_IMAGE, f"polyglot upload: {zip_record}")
    if kind.pil_format == JPEG:
        try:
            complete = jpeg_has_eoi_after_scan(data)
        except JpegStructureError as exc:
            raise PhotoRejected(INVALID_IMAGE, f"corrupt JPEG: {exc}") from None
        if not complete:
            raise PhotoRejected(INVALID_IMAGE, "truncated JPEG (no EOI after the scan data)")
    elif kind.pil_format == PNG and data.rfind(b"IEND") < 0:
        raise PhotoRejected(INVALID_IMAGE, "truncated PNG (no IEND chunk)")
    elif kind.pil_format == WEBP and int.from_bytes(data[4:8], "little") + 8 > len(data):
        raise PhotoRejected(INVALID_IMAGE, "truncated WebP (RIFF size exceeds data)")


def _open(data: bytes, kind: SniffedType, limits: PhotoLimits) -> ImageFile.ImageFile:
    """Lazy open (header only) with bomb checks; nothing is decoded here."""
    try:
        with _open_lock, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(BytesIO(data), formats=[kind.pil_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(IMAGE_TOO_LARGE, f"decompression bomb refused: {exc}") from None
    except MemoryError:
        raise
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error, ...
        raise PhotoRejected(INVALID_IMAGE, f"cannot parse {kind.pil_format} header") from exc
    try:
        _check_dimensions(im.size, limits)
    except PhotoRejected:
        im.close()
        raise
    return im


def _check_dimensions(size: tuple[int, int], limits: PhotoLimits) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise PhotoRejected(INVALID_IMAGE, f"invalid dimensions {width}x{height}")
    if max(width, height) > limits.max_side:
        raise PhotoRejected(
            IMAGE_TOO_LARGE, f"{width}x{height} exceeds max side {limits.max_side} px"
        )
    if width * height > limits.max_pixels:
        raise PhotoRejected(
            IMAGE_TOO_LARGE, f"{width}x{height} exceeds {limits.max_pixels} pixels"
        )


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    scale = max_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(
    im: ImageFile.ImageFile, kind: SniffedType, target: tuple[int, int]
) -> tuple[Image.Image, tuple[float, float, float, float] | None, bytes | None]:
    """The one and only decode -> (frame in RGB/L/CMYK, draft box, ICC profile)."""
    box: tuple[float, float, float, float] | None = None
    try:
        if kind.pil_format == JPEG and target != im.size:
            # DCT-domain downscale (1/2, 1/4, 1/8) to the smallest size still >= target.
            drafted = im.draft("RGB", target)
            if drafted is not None:
                box = drafted[1]
        im.load()
        icc_profile = im.info.get("icc_profile")
        frame = flatten_alpha(normalize_mode(im))
    except MemoryError:
        raise
    except Exception as exc:
        raise PhotoRejected(INVALID_IMAGE, f"cannot decode {kind.pil_format}: {exc}") from exc
    return frame, box, icc_profile if isinstance(icc_profile, bytes) and icc_profile else None


def _derive(
    frame: Image.Image,
    box: tuple[float, float, float, float] | None,
    target: tuple[int, int],
    icc_profile: bytes | None,
    orientation: int,
) -> tuple[Image.Image, Image.Image]:
    """Decoded frame -> (display, thumb): resized, sRGB, oriented; thumb made from display."""
    try:
        if frame.size != target:
            frame = frame.resize(target, _RESAMPLE, box=box, reducing_gap=2.0)
        display = to_srgb(frame, icc_profile)
        if orientation in _TRANSPOSE:  # on the reduced image: a 1600 px transpose is ~1 ms
            display = display.transpose(_TRANSPOSE[orientation])
        thumb = display.resize(_fit(display.size, THUMB_MAX_SIDE), _RESAMPLE, reducing_gap=2.0)
    except MemoryError:
        raise
    except Exception as exc:
        raise PhotoProcessingError(f"resize/colour/orientation failed: {exc}") from exc
    return display, thumb


def _encode(im: Image.Image, quality: int) -> bytes:
    """Encode baseline JPEG with no metadata, then prove it by walking the output markers."""
    if im.mode not in ("RGB", "L"):
        raise PhotoProcessingError(f"unexpected mode {im.mode} at encode time")
    # Pillow copies ``info`` through resize/transpose and re-emits e.g. info["comment"] on save.
    im.info = {}
    out = BytesIO()
    try:
        im.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    except Exception as exc:
        raise PhotoProcessingError(f"JPEG encoding failed: {exc}") from exc
    encoded = out.getvalue()
    try:
        size = verify_clean_jpeg(encoded)
    except JpegStructureError as exc:
        raise PhotoProcessingError(f"re-encoded output failed verification: {exc}") from exc
    if size != im.size:
        raise PhotoProcessingError(f"encoded size {size} != image size {im.size}")
    return encoded
