"""Colour normalisation: everything leaves the pipeline as 8-bit sRGB "RGB" (or "L"), no ICC.

Embedded ICC profiles are honoured by converting to sRGB (on the already reduced image, so it is
cheap); profiles that describe themselves as sRGB are simply dropped. An unusable profile is
dropped too -- colours may be slightly off, but the upload is not refused for it.
"""

from __future__ import annotations

import hashlib
import threading
from io import BytesIO
from typing import Final

from PIL import Image, ImageCms

_WHITE: Final = (255, 255, 255)
_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_ICC_COLOR_SPACE: Final = {"RGB": "RGB ", "CMYK": "CMYK"}
_lock = threading.Lock()
_transforms: dict[tuple[str, str], ImageCms.ImageCmsTransform | None] = {}
_MAX_TRANSFORMS: Final = 32


def normalize_mode(im: Image.Image) -> Image.Image:
    """Convert any decoded mode to RGB, RGBA, L, LA or CMYK (alpha is flattened later)."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        return im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit / 32-bit grayscale: scale to 8 bits instead of letting convert() clip at 255.
        scale = 1 / 256 if mode != "F" else 255.0
        return im.convert("F").point(lambda v: v * scale).convert("L")
    if mode in ("RGBa", "La"):
        return im.convert("RGBA" if mode == "RGBa" else "LA")
    return im.convert("RGB")  # YCbCr, LAB, HSV, RGBX...


def flatten_alpha(im: Image.Image) -> Image.Image:
    """Composite RGBA/LA onto white (transparent evidence photos are not a thing we keep)."""
    if im.mode == "RGBA":
        background = Image.new("RGB", im.size, _WHITE)
        background.paste(im, mask=im.getchannel("A"))
        return background
    if im.mode == "LA":
        background = Image.new("L", im.size, 255)
        background.paste(im.getchannel("L"), mask=im.getchannel("A"))
        return background
    return im


def to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return an RGB/L image in sRGB; applies ``icc_profile`` if it is a non-sRGB profile."""
    if icc_profile and im.mode in _ICC_COLOR_SPACE:
        transform = _transform_for(icc_profile, im.mode)
        if transform is not None:
            try:
                return ImageCms.applyTransform(im, transform) or im
            except (ImageCms.PyCMSError, OSError, ValueError):
                pass
    if im.mode not in ("RGB", "L"):
        return im.convert("RGB")
    return im


def _transform_for(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    key = (hashlib.sha1(icc_profile, usedforsecurity=False).hexdigest(), mode)
    with _lock:
        if key in _transforms:
            return _transforms[key]
    transform = _build_transform(icc_profile, mode)
    with _lock:
        if len(_transforms) >= _MAX_TRANSFORMS:
            _transforms.pop(next(iter(_transforms)))
        _transforms[key] = transform
    return transform


def _build_transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    try:
        profile = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        if profile.profile.xcolor_space != _ICC_COLOR_SPACE[mode]:
            return None
        if mode == "RGB" and _is_srgb(profile):
            return None
        return ImageCms.buildTransform(
            profile, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    try:
        return "srgb" in ImageCms.getProfileDescription(profile).lower()
    except ImageCms.PyCMSError:
        return False
