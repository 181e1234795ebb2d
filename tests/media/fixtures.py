"""Synthetic photo fixtures generated with Pillow (no binary files in the repo).

Reusable by any test: photo-like scenes (smooth gradients + shapes + mild noise, so JPEG sizes
are realistic), JPEG/PNG/WebP/HEIC writers with EXIF/GPS/ICC/XMP/IPTC/comments, oriented test
patterns, decompression bombs, ZIP polyglots and non-image payloads.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from datetime import datetime
from fractions import Fraction
from io import BytesIO
from typing import Final

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFilter
from PIL.ExifTags import IFD
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

RED: Final = (230, 20, 20)
GREEN: Final = (20, 200, 40)
BLUE: Final = (20, 40, 220)
YELLOW: Final = (240, 220, 20)

# display = stored.transpose(DISPLAY[o]); to fake a camera we store true.transpose(INVERSE[o]).
_INVERSE: Final[dict[int, Image.Transpose]] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}

XMP_PACKET: Final = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmp:CreatorTool="XMP-SECRET-TOOL"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
SVG_BYTES: Final = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)
HTML_BYTES: Final = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


# --------------------------------------------------------------------------- scenes


def make_scene(width: int, height: int, *, seed: int = 0, noise: float = 4.0) -> Image.Image:
    """Photo-like RGB image: smooth gradients, blurred shapes, sharp strokes, mild sensor noise."""
    rnd = random.Random(seed)
    sw, sh = max(16, width // 16), max(16, height // 16)
    grad = Image.linear_gradient("L").resize((sw, sh))
    red = grad.rotate(rnd.uniform(0, 360), resample=Image.Resampling.BICUBIC,
                      fillcolor=rnd.randint(0, 255))
    green = Image.radial_gradient("L").resize((sw, sh))
    blue = grad.transpose(Image.Transpose.ROTATE_90).resize((sw, sh))
    base = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(base)
    for _ in range(25):
        x0, y0 = rnd.uniform(-0.2, 1.0) * sw, rnd.uniform(-0.2, 1.0) * sh
        x1, y1 = x0 + rnd.uniform(0.05, 0.5) * sw, y0 + rnd.uniform(0.05, 0.5) * sh
        color = (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255))
        if rnd.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=color)
        else:
            draw.polygon([(rnd.random() * sw, rnd.random() * sh) for _ in range(3)], fill=color)
    im = base.filter(ImageFilter.GaussianBlur(1)).resize((width, height),
                                                         Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(im)
    stroke = max(1, width // 400)
    for _ in range(60):
        x0, y0 = rnd.random() * width, rnd.random() * height
        x1, y1 = x0 + rnd.uniform(-0.3, 0.3) * width, y0 + rnd.uniform(-0.3, 0.3) * height
        color = (rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255))
        draw.line((x0, y0, x1, y1), fill=color, width=rnd.randint(stroke, 12 * stroke))
    if noise > 0:
        n = Image.effect_noise((width, height), noise)
        rgb_noise = Image.merge("RGB", (n, n.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                                        n.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
        im = ImageChops.add(im, rgb_noise, scale=1.0, offset=-128)
    return im


def make_orientation_pattern(width: int = 400, height: int = 300) -> Image.Image:
    """The *true* (displayed) image: blue, red top-left, green top-right, yellow bottom-left."""
    im = Image.new("RGB", (width, height), BLUE)
    bw, bh = width // 4, height // 4
    im.paste(RED, (0, 0, bw, bh))
    im.paste(GREEN, (width - bw, 0, width, bh))
    im.paste(YELLOW, (0, height - bh, bw, height))
    return im


def store_for_orientation(true_image: Image.Image, orientation: int) -> Image.Image:
    """Pixels a camera would store so that applying EXIF ``orientation`` shows ``true_image``."""
    if orientation in _INVERSE:
        return true_image.transpose(_INVERSE[orientation])
    return true_image.copy()


# --------------------------------------------------------------------------- metadata


def make_exif(
    *,
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    taken_at: datetime | None = None,
    offset: str | None = None,
    original: bool = True,
) -> Image.Exif:
    """EXIF with orientation, GPS (signed degrees -> DMS + N/S/E/W refs) and capture time.

    ``original=False`` writes IFD0 DateTime instead of DateTimeOriginal.
    """
    exif = Image.Exif()
    exif[0x010F] = "HotlineTestCam"
    if orientation is not None:
        exif[0x0112] = orientation
    if taken_at is not None:
        stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        sub = exif.get_ifd(IFD.Exif)
        if original:
            sub[0x9003] = stamp
            if offset:
                sub[0x9011] = offset
        else:
            exif[0x0132] = stamp
            if offset:
                sub[0x9010] = offset
    if gps is not None:
        lat, lng = gps
        info = exif.get_ifd(IFD.GPSInfo)
        info[0] = b"\x02\x02\x00\x00"
        info[1] = "N" if lat >= 0 else "S"
        info[2] = to_dms(abs(lat))
        info[3] = "E" if lng >= 0 else "W"
        info[4] = to_dms(abs(lng))
    return exif


def to_dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 10000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000)


def gps_rational_bytes(value: float) -> list[bytes]:
    """Raw TIFF encodings (both byte orders) of the DMS rationals ``to_dms`` writes."""
    parts = [Fraction(r.numerator, r.denominator) for r in to_dms(abs(value))]  # as Pillow writes
    return [b"".join(struct.pack(order + "II", f.numerator, f.denominator) for f in parts)
            for order in "<>"]


def iptc_app13(caption: bytes) -> bytes:
    """A Photoshop APP13 segment carrying an IPTC caption (2:120)."""
    record = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    if len(record) % 2:
        record += b"\x00"
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def swapped_primaries_icc() -> bytes:
    """A valid non-sRGB RGB profile: sRGB with red/green colorants swapped, renamed "xRGB".

    Device red (255, 0, 0) in this profile *is* sRGB green, so a pipeline that really converts to
    sRGB turns a red image green, and one that merely drops the profile keeps it red.
    """
    data = bytearray(srgb_icc())
    count = struct.unpack_from(">I", data, 128)[0]
    entries = {bytes(data[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    r_at, g_at = entries[b"rXYZ"], entries[b"gXYZ"]
    r_ref, g_ref = bytes(data[r_at + 4 : r_at + 12]), bytes(data[g_at + 4 : g_at + 12])
    data[r_at + 4 : r_at + 12], data[g_at + 4 : g_at + 12] = g_ref, r_ref
    desc = "sRGB".encode("utf-16-be")
    at = data.find(desc)
    data[at : at + len(desc)] = "xRGB".encode("utf-16-be")
    data[84:100] = bytes(16)  # profile ID (MD5) no longer valid: zero means "not computed"
    return bytes(data)


# --------------------------------------------------------------------------- encoders


def encode_jpeg(
    im: Image.Image,
    *,
    quality: int = 90,
    exif: Image.Exif | None = None,
    comment: bytes | None = None,
    icc: bytes | None = None,
    xmp: bytes | None = None,
    iptc: bytes | None = None,
    trailing: bytes = b"",
    progressive: bool = False,
) -> bytes:
    params: dict[str, object] = {"quality": quality, "progressive": progressive}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if comment is not None:
        params["comment"] = comment
    if icc is not None:
        params["icc_profile"] = icc
    if xmp is not None:
        params["xmp"] = xmp
    if iptc is not None:
        params["extra"] = iptc_app13(iptc)
    out = BytesIO()
    im.save(out, "JPEG", **params)
    return out.getvalue() + trailing


def make_jpeg(
    width: int,
    height: int,
    *,
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    taken_at: datetime | None = None,
    offset: str | None = None,
    comment: bytes | None = None,
    icc: bool | bytes = False,
    xmp: bytes | None = None,
    iptc: bytes | None = None,
    trailing: bytes = b"",
    quality: int = 90,
    seed: int = 0,
    noise: float = 4.0,
) -> bytes:
    """Photo-like JPEG with optional metadata (``icc=True`` embeds an sRGB profile)."""
    exif = None
    if orientation is not None or gps is not None or taken_at is not None:
        exif = make_exif(orientation=orientation, gps=gps, taken_at=taken_at, offset=offset)
    profile = srgb_icc() if icc is True else (icc or None)
    return encode_jpeg(make_scene(width, height, seed=seed, noise=noise), quality=quality,
                       exif=exif, comment=comment, icc=profile, xmp=xmp, iptc=iptc,
                       trailing=trailing)


def make_phone_jpeg(
    width: int = 4032,
    height: int = 3024,
    *,
    min_bytes: int = 3_000_000,
    max_bytes: int = 6_000_000,
    seed: int = 7,
) -> bytes:
    """A 12 MP phone-like JPEG (EXIF with orientation/GPS/time) sized ``min_bytes..max_bytes``.

    Noise and quality are stepped until the file lands in range (phones write 3-6 MB at 12 MP).
    """
    exif = make_exif(orientation=1, gps=(30.5728, 104.0668),
                     taken_at=datetime(2024, 3, 15, 9, 30, 12), offset="+08:00")
    sizes = []
    for noise in (8.0, 10.0, 6.0, 12.0):
        scene = make_scene(width, height, seed=seed, noise=noise)
        for quality in (92, 90, 94):
            data = encode_jpeg(scene, quality=quality, exif=exif)
            if min_bytes <= len(data) <= max_bytes:
                return data
            sizes.append(len(data))
    raise RuntimeError(f"could not hit {min_bytes}..{max_bytes} bytes, got {sizes}")


def make_oriented_jpeg(orientation: int, width: int = 400, height: int = 300,
                       quality: int = 92) -> bytes:
    """JPEG whose stored pixels need EXIF ``orientation`` to show the orientation pattern."""
    stored = store_for_orientation(make_orientation_pattern(width, height), orientation)
    return encode_jpeg(stored, quality=quality, exif=make_exif(orientation=orientation))


def make_png(
    width: int,
    height: int,
    *,
    mode: str = "RGB",
    text: dict[str, str] | None = None,
    itxt: dict[str, str] | None = None,
    exif: Image.Exif | None = None,
    icc: bytes | None = None,
    seed: int = 0,
) -> bytes:
    im = make_scene(width, height, seed=seed, noise=0)
    if mode == "RGBA":
        im.putalpha(Image.linear_gradient("L").resize((width, height)))
    elif mode != "RGB":
        im = im.convert(mode)
    info = PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
        info.add_text(key + "Z", value, zip=True)
    for key, value in (itxt or {}).items():
        info.add_itxt(key, value, lang="zh", tkey=key)
    params: dict[str, object] = {"pnginfo": info}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if icc is not None:
        params["icc_profile"] = icc
    out = BytesIO()
    im.save(out, "PNG", **params)
    return out.getvalue()


def make_webp(width: int, height: int, *, exif: Image.Exif | None = None,
              xmp: bytes | None = None, icc: bytes | None = None, seed: int = 0) -> bytes:
    params: dict[str, object] = {"quality": 85}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if xmp is not None:
        params["xmp"] = xmp
    if icc is not None:
        params["icc_profile"] = icc
    out = BytesIO()
    make_scene(width, height, seed=seed).save(out, "WEBP", **params)
    return out.getvalue()


def heif_encoder_available() -> bool:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
        return bool(pillow_heif.libheif_info().get("HEIF"))
    except Exception:
        return False


def make_heic(image: Image.Image, *, exif: Image.Exif | None = None,
              xmp: bytes | None = None) -> bytes:
    """Encode with pillow_heif (HEVC); EXIF orientation is written as the irot/imir boxes."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    params: dict[str, object] = {"quality": 90}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if xmp is not None:
        params["xmp"] = xmp
    out = BytesIO()
    image.save(out, "HEIF", **params)
    return out.getvalue()


# --------------------------------------------------------------------------- hostile inputs


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def make_png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """Tiny, well-formed PNG header declaring huge dimensions (IDAT holds only a few rows)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (3 * width + 1) * 4, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", rows)
            + _png_chunk(b"IEND", b""))


def make_jpeg_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A real 16x16 JPEG whose SOF header is patched to declare ``width`` x ``height``."""
    data = bytearray(encode_jpeg(Image.new("RGB", (16, 16), "gray"), quality=50))
    pos = 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack_from(">H", data, pos + 2)[0]
        if marker in (0xC0, 0xC1, 0xC2):
            struct.pack_into(">HH", data, pos + 5, height, width)
            return bytes(data)
        pos += 2 + length


def make_zip(files: dict[str, bytes] | None = None) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, payload in ({"payload.html": HTML_BYTES} if files is None else files).items():
            zf.writestr(name, payload)
    return out.getvalue()


def jpeg_with_appended_zip(width: int = 320, height: int = 240) -> bytes:
    return make_jpeg(width, height) + make_zip()


def zip_with_jpeg_header() -> bytes:
    """JPEG SOI + JFIF APP0, then a ZIP archive (sniffs as JPEG, unzips fine)."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + make_zip()


def jpeg_with_zip_in_comment(width: int = 320, height: int = 240) -> bytes:
    """A fully valid JPEG whose COM segment carries a whole ZIP archive."""
    return encode_jpeg(make_scene(width, height), comment=make_zip())


def make_gif() -> bytes:
    out = BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def make_pdf() -> bytes:
    out = BytesIO()
    Image.new("RGB", (10, 10), "white").save(out, "PDF")
    return out.getvalue()


# --------------------------------------------------------------------------- inspection


def jpeg_markers(data: bytes) -> list[int]:
    """All marker codes in a JPEG, header segments and markers inside/between scans."""
    return _walk_jpeg(data)[0]


def jpeg_end_offset(data: bytes) -> int:
    """Offset just past the EOI that terminates the image data (-1 if there is none)."""
    return _walk_jpeg(data)[1]


def _walk_jpeg(data: bytes) -> tuple[list[int], int]:
    markers = [0xD8]
    pos, n = 2, len(data)
    in_scan = False
    while pos < n:
        if in_scan:
            pos = data.find(b"\xff", pos)
            if pos < 0 or pos + 1 >= n:
                break
            code = data[pos + 1]
            if code == 0x00 or 0xD0 <= code <= 0xD7 or code == 0xFF:
                pos += 1
                continue
        else:
            if data[pos] != 0xFF:
                raise ValueError(f"expected marker at {pos}")
            code = data[pos + 1]
        markers.append(code)
        if code == 0xD9:
            return markers, pos + 2
        length = struct.unpack_from(">H", data, pos + 2)[0]
        pos += 2 + length
        in_scan = code == 0xDA or in_scan
    return markers, -1


_JFIF_INFO_KEYS: Final = frozenset({"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"})
_RAW_METADATA_SIGNATURES: Final = (
    b"Exif\x00",
    b"http://ns.adobe.com/xap",
    b"ICC_PROFILE",
    b"Photoshop 3.0",
    b"8BIM",
    b"MPF\x00",
)


def metadata_leaks(data: bytes, needles: tuple[bytes, ...] | list[bytes] = ()) -> list[str]:
    """Every way ``data`` (a re-encoded JPEG) still carries metadata; empty list means clean.

    Checks Pillow's view (info keys, EXIF), the raw bytes (EXIF/XMP/ICC/IPTC/MPF signatures and
    caller-supplied secrets such as comment text or GPS rationals), the marker list (no APP1-15,
    no COM) and that nothing follows the final EOI.
    """
    problems: list[str] = []
    with Image.open(BytesIO(data)) as im:
        if im.format != "JPEG":
            problems.append(f"format {im.format}")
        extra = set(im.info) - _JFIF_INFO_KEYS
        if extra:
            problems.append(f"info keys {sorted(extra)}")
        if len(im.getexif()):
            problems.append("EXIF tags present")
    for signature in _RAW_METADATA_SIGNATURES:
        if signature in data:
            problems.append(f"raw signature {signature!r}")
    for needle in needles:
        if needle and needle in data:
            problems.append(f"secret {needle[:40]!r} found")
    markers = jpeg_markers(data)
    bad = [hex(m) for m in markers if m == 0xFE or 0xE1 <= m <= 0xEF]
    if bad:
        problems.append(f"metadata markers {bad}")
    end = jpeg_end_offset(data)
    if end < 0:
        problems.append("no EOI")
    elif end != len(data):
        problems.append(f"{len(data) - end} bytes after EOI")
    return problems
