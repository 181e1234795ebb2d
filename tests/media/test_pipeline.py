"""Photo-evidence pipeline: type sniffing, bombs, polyglots, EXIF, stripping, dHash, storage."""

from __future__ import annotations

import hashlib
import os
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from hotline.timefmt import SHANGHAI
from media import (
    HTTP_STATUS,
    LocalStorage,
    PhotoLimits,
    PhotoProcessingError,
    PhotoRejected,
    PhotoStorage,
    ProcessedPhoto,
    content_key,
    dhash_from_signed,
    dhash_to_signed,
    hamming,
    process_photo,
)
from media.metadata import parse_exif_datetime
from media.sniff import JpegStructureError, find_zip_structure, verify_clean_jpeg
from tests.media import fixtures as fx

SECRET_COMMENT = b"COMMENT-SECRET-13800138000"
SECRET_IPTC = b"IPTC-SECRET-CAPTION"
SECRET_TRAILER = b"TRAILING-SECRET-PAYLOAD"


def _open(data: bytes) -> Image.Image:
    im = Image.open(BytesIO(data))
    im.load()
    return im


def _close(rgb: tuple[int, ...], expected: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(rgb[:3], expected, strict=True))


def _rejected(data: bytes, limits: PhotoLimits | None = None) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, limits or PhotoLimits())
    return info.value


# --------------------------------------------------------------------------- happy path


def test_phone_jpeg_end_to_end_strips_everything() -> None:
    taken = datetime(2024, 5, 6, 7, 8, 9)
    data = fx.make_jpeg(
        1200, 900, gps=(22.543096, 114.057865), taken_at=taken, offset="+08:00",
        comment=SECRET_COMMENT, icc=True, xmp=fx.XMP_PACKET, iptc=SECRET_IPTC,
        trailing=SECRET_TRAILER,
    )
    source = _open(data)
    assert {"exif", "comment", "icc_profile", "xmp", "photoshop"} <= set(source.info)

    photo = process_photo(data, PhotoLimits())

    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.content_type == "image/jpeg"
    assert photo.output_content_type == "image/jpeg"
    assert (photo.width, photo.height) == (1200, 900)
    assert photo.display_size == (1200, 900)
    assert photo.thumb_size == (320, 240)
    assert photo.taken_at is not None and photo.taken_at.replace(tzinfo=None) == taken
    assert photo.taken_at.utcoffset() == timedelta(hours=8)
    assert photo.gps == pytest.approx((22.543096, 114.057865), abs=1e-6)

    needles = [SECRET_COMMENT, SECRET_IPTC, SECRET_TRAILER, b"XMP-SECRET-TOOL", b"HotlineTestCam",
               b"2024:05:06", *fx.gps_rational_bytes(22.543096),
               *fx.gps_rational_bytes(114.057865)]
    assert any(n in data for n in fx.gps_rational_bytes(22.543096))  # the search is meaningful
    for variant in (photo.display, photo.thumb):
        assert fx.metadata_leaks(variant, needles) == []
        assert _open(variant).size in (photo.display_size, photo.thumb_size)


def test_large_photo_uses_both_variant_bounds() -> None:
    photo = process_photo(fx.make_jpeg(3000, 2000, noise=2), PhotoLimits())
    assert photo.display_size == (1600, 1067)
    assert photo.thumb_size == (320, 213)
    assert _open(photo.display).size == (1600, 1067)
    assert _open(photo.thumb).size == (320, 213)


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_is_applied(orientation: int) -> None:
    data = fx.make_oriented_jpeg(orientation)
    stored = _open(data).size
    assert stored == ((300, 400) if orientation >= 5 else (400, 300))

    photo = process_photo(data, PhotoLimits())

    assert (photo.width, photo.height) == (400, 300)
    assert photo.display_size == (400, 300)
    out = _open(photo.display).convert("RGB")
    assert out.size == (400, 300)
    assert _close(out.getpixel((10, 10)), fx.RED)
    assert _close(out.getpixel((390, 10)), fx.GREEN)
    assert _close(out.getpixel((10, 290)), fx.YELLOW)
    assert _close(out.getpixel((390, 290)), fx.BLUE)
    thumb = _open(photo.thumb).convert("RGB")
    assert thumb.size == (320, 240)
    assert _close(thumb.getpixel((5, 5)), fx.RED)
    assert fx.metadata_leaks(photo.display) == []


@pytest.mark.parametrize("orientation", [6, 8])
def test_orientation_with_jpeg_draft_scaling(orientation: int) -> None:
    data = fx.make_oriented_jpeg(orientation, width=3200, height=2400, quality=80)
    photo = process_photo(data, PhotoLimits())
    assert (photo.width, photo.height) == (3200, 2400)
    assert photo.display_size == (1600, 1200)
    out = _open(photo.display).convert("RGB")
    assert out.size == (1600, 1200)
    assert _close(out.getpixel((20, 20)), fx.RED)
    assert _close(out.getpixel((1580, 20)), fx.GREEN)
    assert _close(out.getpixel((20, 1180)), fx.YELLOW)


# --------------------------------------------------------------------------- GPS / time


@pytest.mark.parametrize(
    "lat,lng",
    [(39.9042, 116.4074), (-33.8688, 151.2093), (40.7128, -74.006), (-22.9068, -43.1729)],
)
def test_gps_hemispheres(lat: float, lng: float) -> None:
    data = fx.make_jpeg(320, 240, gps=(lat, lng))
    photo = process_photo(data, PhotoLimits())
    assert photo.gps == pytest.approx((lat, lng), abs=1e-6)
    assert (photo.gps[0] < 0) == (lat < 0) and (photo.gps[1] < 0) == (lng < 0)
    needles = [*fx.gps_rational_bytes(lat), *fx.gps_rational_bytes(lng)]
    assert any(n in data for n in needles)
    assert fx.metadata_leaks(photo.display, needles) == []
    assert fx.metadata_leaks(photo.thumb, needles) == []


def test_no_exif_gives_no_gps_or_time() -> None:
    photo = process_photo(fx.make_jpeg(320, 240), PhotoLimits())
    assert photo.gps is None and photo.taken_at is None


def test_capture_time_with_offset_time_original() -> None:
    data = fx.make_jpeg(320, 240, taken_at=datetime(2023, 12, 31, 23, 59, 58), offset="+05:30")
    taken = process_photo(data, PhotoLimits()).taken_at
    assert taken is not None
    assert taken.replace(tzinfo=None) == datetime(2023, 12, 31, 23, 59, 58)
    assert taken.utcoffset() == timedelta(hours=5, minutes=30)


def test_capture_time_defaults_to_shanghai() -> None:
    data = fx.make_jpeg(320, 240, taken_at=datetime(2024, 1, 2, 3, 4, 5))
    taken = process_photo(data, PhotoLimits()).taken_at
    assert taken == datetime(2024, 1, 2, 3, 4, 5, tzinfo=SHANGHAI)
    assert taken is not None and taken.utcoffset() == timedelta(hours=8)


def test_capture_time_falls_back_to_ifd0_datetime() -> None:
    exif = fx.make_exif(taken_at=datetime(2022, 6, 7, 8, 9, 10), original=False)
    data = fx.encode_jpeg(fx.make_scene(320, 240), exif=exif)
    assert process_photo(data, PhotoLimits()).taken_at == datetime(
        2022, 6, 7, 8, 9, 10, tzinfo=SHANGHAI
    )


def test_parse_exif_datetime_edge_cases() -> None:
    assert parse_exif_datetime("0000:00:00 00:00:00") is None
    assert parse_exif_datetime("garbage") is None
    assert parse_exif_datetime(None) is None
    parsed = parse_exif_datetime("2024:02:29 12:00:00", "-03:00", "25")
    assert parsed is not None and parsed.microsecond == 250000
    assert parsed.utcoffset() == timedelta(hours=-3)


# --------------------------------------------------------------------------- ICC / colour


def test_srgb_icc_profile_and_comment_are_dropped() -> None:
    red = Image.new("RGB", (200, 100), (255, 0, 0))
    data = fx.encode_jpeg(red, icc=fx.srgb_icc(), comment=SECRET_COMMENT)
    photo = process_photo(data, PhotoLimits())
    assert fx.metadata_leaks(photo.display, [SECRET_COMMENT]) == []
    assert _close(_open(photo.display).getpixel((50, 50)), (255, 0, 0), tol=10)


def test_non_srgb_icc_profile_is_converted_to_srgb() -> None:
    red_in_swapped_space = Image.new("RGB", (200, 100), (255, 0, 0))
    data = fx.encode_jpeg(red_in_swapped_space, icc=fx.swapped_primaries_icc())
    photo = process_photo(data, PhotoLimits())
    assert fx.metadata_leaks(photo.display) == []
    # device red of that profile is sRGB green: the pixels were converted, not just untagged
    assert _close(_open(photo.display).getpixel((50, 50)), (0, 255, 0), tol=25)
    assert _close(_open(photo.thumb).convert("RGB").getpixel((10, 10)), (0, 255, 0), tol=25)


def test_cmyk_and_grayscale_jpeg() -> None:
    cmyk = fx.encode_jpeg(fx.make_scene(300, 200).convert("CMYK"))
    assert _open(process_photo(cmyk, PhotoLimits()).display).mode == "RGB"
    gray = fx.encode_jpeg(fx.make_scene(300, 200).convert("L"))
    photo = process_photo(gray, PhotoLimits())
    assert _open(photo.display).mode == "L"
    assert fx.metadata_leaks(photo.display) == []


# --------------------------------------------------------------------------- other formats


def test_png_text_chunks_and_exif_are_stripped() -> None:
    data = fx.make_png(
        400, 300, mode="RGBA",
        text={"Comment": "PNG-TEXT-SECRET", "Author": "PNG-AUTHOR-SECRET"},
        itxt={"Description": "PNG-ITXT-SECRET 投诉", "XML:com.adobe.xmp": fx.XMP_PACKET.decode()},
        exif=fx.make_exif(gps=(31.2304, 121.4737), taken_at=datetime(2024, 7, 1, 12, 0, 0)),
        icc=fx.srgb_icc(),
    )
    source = _open(data)
    assert "Comment" in source.info and "XML:com.adobe.xmp" in source.info
    photo = process_photo(data, PhotoLimits())
    assert photo.content_type == "image/png"
    assert photo.gps == pytest.approx((31.2304, 121.4737), abs=1e-6)
    assert photo.taken_at == datetime(2024, 7, 1, 12, 0, 0, tzinfo=SHANGHAI)
    needles = [b"PNG-TEXT-SECRET", b"PNG-AUTHOR-SECRET", b"PNG-ITXT-SECRET", b"XMP-SECRET-TOOL"]
    for variant in (photo.display, photo.thumb):
        assert fx.metadata_leaks(variant, needles) == []
    assert _open(photo.display).mode == "RGB"  # alpha flattened


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "LA"])
def test_png_modes_are_normalised(mode: str) -> None:
    photo = process_photo(fx.make_png(120, 90, mode=mode), PhotoLimits())
    assert _open(photo.display).mode in ("RGB", "L")
    assert fx.metadata_leaks(photo.display) == []


def test_png_16bit_grayscale_keeps_tones() -> None:
    gradient = Image.linear_gradient("L").resize((128, 64)).convert("I").point(lambda v: v * 257)
    out = BytesIO()
    gradient.convert("I;16").save(out, "PNG")
    display = _open(process_photo(out.getvalue(), PhotoLimits()).display)
    assert display.getpixel((64, 32)) not in (0, 255)  # not clipped to white


def test_webp_metadata_is_stripped() -> None:
    exif = fx.make_exif(gps=(-1.2921, 36.8219), taken_at=datetime(2021, 1, 1, 0, 0, 1))
    data = fx.make_webp(400, 300, exif=exif, xmp=fx.XMP_PACKET, icc=fx.srgb_icc())
    photo = process_photo(data, PhotoLimits())
    assert photo.content_type == "image/webp"
    assert photo.gps == pytest.approx((-1.2921, 36.8219), abs=1e-6)
    assert fx.metadata_leaks(photo.display, [b"XMP-SECRET-TOOL", b"HotlineTestCam"]) == []


@pytest.mark.skipif(not fx.heif_encoder_available(),
                    reason="this pillow_heif/libheif build has no HEVC encoder to create fixtures")
def test_heic_orientation_exif_and_stripping() -> None:
    stored = fx.store_for_orientation(fx.make_orientation_pattern(400, 300), 6)
    exif = fx.make_exif(orientation=6, gps=(-34.6037, -58.3816),
                        taken_at=datetime(2024, 8, 9, 10, 11, 12), offset="-03:00")
    data = fx.make_heic(stored, exif=exif, xmp=fx.XMP_PACKET)
    assert data[4:12] == b"ftypheic"
    photo = process_photo(data, PhotoLimits())
    assert photo.content_type == "image/heic"
    assert (photo.width, photo.height) == (400, 300)
    assert photo.gps == pytest.approx((-34.6037, -58.3816), abs=1e-6)
    assert photo.taken_at is not None and photo.taken_at.utcoffset() == timedelta(hours=-3)
    out = _open(photo.display).convert("RGB")
    assert out.size == (400, 300)
    assert _close(out.getpixel((10, 10)), fx.RED)
    assert _close(out.getpixel((390, 10)), fx.GREEN)
    assert fx.metadata_leaks(photo.display, [b"XMP-SECRET-TOOL", b"HotlineTestCam"]) == []


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    "name,data,code",
    [
        ("svg", fx.SVG_BYTES, "unsupported_media"),
        ("html", fx.HTML_BYTES, "unsupported_media"),
        ("gif", fx.make_gif(), "unsupported_media"),
        ("pdf", fx.make_pdf(), "unsupported_media"),
        ("zip named .jpg", fx.make_zip(), "unsupported_media"),
        ("short", b"\xff\xd8", "unsupported_media"),
        ("empty", b"", "invalid_image"),
    ],
)
def test_non_images_are_rejected(name: str, data: bytes, code: str) -> None:
    error = _rejected(data)
    assert error.code == code, name
    assert error.http_status == HTTP_STATUS[code]


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "AVIF"])
def test_other_pillow_formats_are_unsupported(fmt: str) -> None:
    out = BytesIO()
    try:
        Image.new("RGB", (16, 16), "red").save(out, fmt)
    except (KeyError, OSError) as exc:
        pytest.skip(f"Pillow cannot write {fmt} here: {exc}")
    assert _rejected(out.getvalue()).code == "unsupported_media"


@pytest.mark.parametrize("cut", ["half", "no_eoi", "header_only"])
def test_truncated_jpeg_is_invalid(cut: str) -> None:
    data = fx.make_jpeg(640, 480)
    truncated = {"half": data[: len(data) // 2], "no_eoi": data[:-2], "header_only": data[:700]}
    assert _rejected(truncated[cut]).code == "invalid_image"


def test_truncated_jpeg_rejected_even_if_pillow_tolerates_truncation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = fx.make_jpeg(640, 480)
    assert _rejected(data[: len(data) // 2]).code == "invalid_image"


def test_truncated_png_is_invalid() -> None:
    data = fx.make_png(400, 300)
    assert _rejected(data[: len(data) // 2]).code == "invalid_image"


def test_corrupt_png_data_is_invalid() -> None:
    data = bytearray(fx.make_png(400, 300))
    idat = data.find(b"IDAT")
    data[idat + 40 : idat + 240] = bytes(range(200))  # garbage deflate stream, IEND still there
    assert _rejected(bytes(data)).code == "invalid_image"


def test_corrupt_jpeg_segment_length_is_invalid() -> None:
    data = bytearray(fx.make_jpeg(320, 240))
    data[4:6] = b"\xff\xff"  # APP0 length runs past the end of the file
    assert _rejected(bytes(data)).code == "invalid_image"


@pytest.mark.parametrize(
    "make",
    [fx.jpeg_with_appended_zip, fx.zip_with_jpeg_header, fx.jpeg_with_zip_in_comment],
    ids=["zip-appended", "jpeg-header-on-zip", "zip-in-comment"],
)
def test_zip_polyglots_are_refused(make: object) -> None:
    data = make()  # type: ignore[operator]
    error = _rejected(data)
    assert error.code == "invalid_image"
    assert "ZIP" in error.detail


def test_empty_zip_end_record_is_refused() -> None:
    data = fx.make_jpeg(320, 240) + fx.make_zip({})
    assert fx.make_zip({})[:4] == b"PK\x05\x06"
    assert _rejected(data).code == "invalid_image"


def test_bare_zip_signature_bytes_are_not_a_false_positive() -> None:
    junk = b"PK\x03\x04" + b"\xff" * 40 + b"PK\x05\x06" + b"\x01" * 30
    assert find_zip_structure(junk) is None
    data = fx.encode_jpeg(fx.make_scene(320, 240), comment=junk)
    assert process_photo(data, PhotoLimits()).display_size == (320, 240)


def test_real_photo_bytes_do_not_trigger_zip_detection() -> None:
    for seed in range(3):
        assert find_zip_structure(fx.make_jpeg(1024, 768, seed=seed, noise=10)) is None


def test_trailing_garbage_after_eoi_is_dropped() -> None:
    data = fx.make_jpeg(320, 240, trailing=SECRET_TRAILER * 100)
    photo = process_photo(data, PhotoLimits())
    assert fx.metadata_leaks(photo.display, [SECRET_TRAILER]) == []
    assert fx.metadata_leaks(photo.thumb, [SECRET_TRAILER]) == []


def test_max_bytes_limit() -> None:
    data = fx.make_jpeg(320, 240)
    error = _rejected(data, PhotoLimits(max_bytes=len(data) - 1))
    assert (error.code, error.http_status) == ("image_too_large", 413)


# --------------------------------------------------------------------------- bombs


@pytest.fixture
def load_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = ImageFile.ImageFile.load

    def spy(self: ImageFile.ImageFile) -> object:
        calls.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return calls


@pytest.mark.parametrize(
    "name,data,limits",
    [
        ("png 30000x30000", fx.make_png_bomb(30_000, 30_000), PhotoLimits()),
        ("jpeg 60000x60000", fx.make_jpeg_bomb(60_000, 60_000), PhotoLimits()),
        ("jpeg 8000x8000 > max_pixels", fx.make_jpeg_bomb(8_000, 8_000), PhotoLimits()),
        ("png 13000x10 > max_side", fx.make_png_bomb(13_000, 10), PhotoLimits()),
        # between Pillow's warning and error thresholds, with our own limits raised above it:
        ("jpeg 10000x10000 bomb warning", fx.make_jpeg_bomb(10_000, 10_000),
         PhotoLimits(max_pixels=10**9, max_side=65_535)),
    ],
)
def test_decompression_bombs_refused_before_decoding(
    name: str, data: bytes, limits: PhotoLimits, load_calls: list[str]
) -> None:
    assert len(data) < 20_000, name
    error = _rejected(data, limits)
    assert error.code == "image_too_large", error.detail
    assert load_calls == []


def test_bomb_warning_is_an_error_without_leaking_warning_filters() -> None:
    before = list(warnings.filters)
    error = _rejected(fx.make_jpeg_bomb(10_000, 10_000),
                      PhotoLimits(max_pixels=10**9, max_side=65_535))
    assert "decompression bomb" in error.detail
    assert list(warnings.filters) == before


def test_bomb_pixels_are_checked_against_our_limit_first(load_calls: list[str]) -> None:
    error = _rejected(fx.make_png_bomb(3_000, 2_000), PhotoLimits(max_pixels=5_000_000))
    assert error.code == "image_too_large" and "5000000" in error.detail
    assert load_calls == []


# --------------------------------------------------------------------------- encode safety


def test_encoder_leak_is_caught_not_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    data = fx.make_jpeg(320, 240)
    original_save = Image.Image.save

    def leaky_save(self: Image.Image, fp: object, format: str | None = None,
                   **params: object) -> None:
        params["comment"] = b"leak"
        original_save(self, fp, format, **params)  # type: ignore[arg-type]

    monkeypatch.setattr(Image.Image, "save", leaky_save)
    with pytest.raises(PhotoProcessingError, match="verification"):
        process_photo(data, PhotoLimits())


def test_encoder_failure_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    data = fx.make_jpeg(320, 240)

    def broken_save(self: Image.Image, *args: object, **kwargs: object) -> None:
        raise OSError("encoder exploded")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(PhotoProcessingError):
        process_photo(data, PhotoLimits())


def test_verify_clean_jpeg() -> None:
    clean = fx.encode_jpeg(fx.make_scene(64, 48))
    assert verify_clean_jpeg(clean) == (64, 48)
    for dirty in (
        fx.encode_jpeg(fx.make_scene(64, 48), comment=b"x"),
        fx.encode_jpeg(fx.make_scene(64, 48), exif=fx.make_exif(orientation=3)),
        fx.encode_jpeg(fx.make_scene(64, 48), icc=fx.srgb_icc()),
        clean + b"trailer",
    ):
        with pytest.raises(JpegStructureError):
            verify_clean_jpeg(dirty)


# --------------------------------------------------------------------------- dHash


def test_dhash_stable_across_reencoding_and_size() -> None:
    scene = fx.make_scene(1600, 1200, seed=11)
    other_encoding = scene.resize((800, 600), Image.Resampling.LANCZOS)
    a = process_photo(fx.encode_jpeg(scene, quality=92), PhotoLimits()).dhash
    b = process_photo(fx.encode_jpeg(other_encoding, quality=55), PhotoLimits()).dhash
    as_png = BytesIO()
    scene.resize((1000, 750), Image.Resampling.BILINEAR).save(as_png, "PNG")
    c = process_photo(as_png.getvalue(), PhotoLimits()).dhash
    assert hamming(a, b) <= 6
    assert hamming(a, c) <= 6
    different = process_photo(fx.make_jpeg(1600, 1200, seed=12), PhotoLimits()).dhash
    assert hamming(a, different) >= 16


def test_dhash_is_orientation_aware() -> None:
    upright = process_photo(fx.make_oriented_jpeg(1), PhotoLimits()).dhash
    rotated = process_photo(fx.make_oriented_jpeg(6), PhotoLimits()).dhash
    assert hamming(upright, rotated) <= 4


def test_dhash_signed_helpers() -> None:
    for value in (0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0xB0B0B6E7CCD68A84):
        signed = dhash_to_signed(value)
        assert -(2**63) <= signed < 2**63
        assert dhash_from_signed(signed) == value
        assert hamming(signed, value) == 0
    assert dhash_to_signed(2**64 - 1) == -1
    assert hamming(0, 2**64 - 1) == 64
    assert hamming(dhash_to_signed(2**63), 0) == 1
    photo = process_photo(fx.make_jpeg(320, 240), PhotoLimits())
    assert 0 <= photo.dhash < 2**64
    assert dhash_from_signed(photo.dhash_signed) == photo.dhash


# --------------------------------------------------------------------------- pools / pickling


def test_results_and_errors_pickle_for_process_pools() -> None:
    photo = process_photo(fx.make_jpeg(320, 240, gps=(1.0, 2.0)), PhotoLimits())
    assert pickle.loads(pickle.dumps(photo)) == photo
    assert isinstance(photo, ProcessedPhoto)
    error = pickle.loads(pickle.dumps(PhotoRejected("invalid_image", "bad")))
    assert (error.code, error.detail, error.http_status) == ("invalid_image", "bad", 422)
    assert pickle.loads(pickle.dumps(PhotoLimits(max_bytes=5))) == PhotoLimits(max_bytes=5)


def test_concurrent_threads() -> None:
    inputs = [fx.make_jpeg(640, 480, seed=s, orientation=6) for s in range(6)]
    inputs += [fx.make_jpeg_bomb(10_000, 10_000), fx.make_png_bomb()]
    before = list(warnings.filters)

    def run(data: bytes) -> str:
        try:
            return f"ok {process_photo(data, PhotoLimits()).display_size}"
        except PhotoRejected as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, inputs * 2))
    assert results == (["ok (480, 640)"] * 6 + ["image_too_large"] * 2) * 2
    assert list(warnings.filters) == before


def test_limits_validation() -> None:
    with pytest.raises(ValueError):
        PhotoLimits(max_pixels=0)


# --------------------------------------------------------------------------- storage


def test_local_storage_round_trip(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    assert isinstance(store, PhotoStorage)
    data = process_photo(fx.make_jpeg(320, 240), PhotoLimits()).display
    key = content_key(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert not store.exists(key) and store.get(key) is None

    store.put(key, data, "image/jpeg")
    path = tmp_path / key[:2] / key[2:4] / key
    assert path.read_bytes() == data
    assert store.exists(key) and store.get(key) == data
    store.put(key, data, "image/jpeg")  # idempotent
    assert store.put_content(data) == key

    store.delete(key)
    assert not store.exists(key) and store.get(key) is None
    store.delete(key)  # deleting twice is fine


def test_local_storage_rejects_bad_keys(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(ValueError):
        store.put(content_key(b"other"), b"data", "image/jpeg")
    for key in ("../../etc/passwd", "A" * 64, "ab", content_key(b"x")[:-1] + "/"):
        with pytest.raises(ValueError):
            store.get(key)


def test_local_storage_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalStorage(tmp_path)
    data = b"\xff\xd8" + os.urandom(4096) + b"\xff\xd9"
    key = content_key(data)

    def failing_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(key, data, "image/jpeg")
    assert not store.exists(key)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # temp file cleaned up

    monkeypatch.undo()
    store.put(key, data, "image/jpeg")
    assert store.get(key) == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [key]
