"""Safe image handling (S10, S11): type from the bytes, limits, metadata stripped, PDQ hashes."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from isigurt.lib.images import (
    MAX_DECLARED_PIXELS,
    MAX_FILES_PER_REPORT,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    ImageRejected,
    hash_image,
    sanitise_image,
)

DATA = Path(__file__).parent / "data" / "pdq"
EXPECTED = {
    row["upstream"]: row for row in csv.DictReader((DATA / "expected.csv").open(encoding="utf-8"))
}
ORIGINAL_PDQ = EXPECTED["bridge-mods/aaa-orig.jpg"]["pdq"]
# Meta's acceptance rule for a PDQ implementation.
MAX_DISTANCE = 10


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def original() -> Image.Image:
    with Image.open(DATA / "aaa-orig.jpg") as image:
        image.load()
        return image


def rejection(data: bytes) -> str:
    with pytest.raises(ImageRejected) as excinfo:
        sanitise_image(data)
    assert excinfo.value.message  # a message for the person, not only a code
    return excinfo.value.code


# --- PDQ against the C++ reference --------------------------------------------------------------


@pytest.mark.parametrize(
    "row", [row for row in EXPECTED.values() if row["file"]], ids=lambda row: row["file"]
)
def test_pdq_is_within_10_bits_of_the_cpp_reference(row):
    data = (DATA / row["file"]).read_bytes()
    result = sanitise_image(data)
    assert result.pdq_quality >= 80
    assert len(result.pdq_hash) == 64
    assert hamming(result.pdq_hash, row["pdq"]) <= MAX_DISTANCE


@pytest.mark.parametrize(
    ("mode", "fmt", "options"),
    [
        ("P", "PNG", {}),
        ("PA", "WEBP", {"lossless": True}),
        ("CMYK", "JPEG", {"quality": 95}),
        ("LA", "PNG", {}),
        ("L", "PNG", {}),
        ("1", "PNG", {}),
        ("RGBA", "WEBP", {}),
        ("P", "GIF", {}),
    ],
)
def test_every_colour_mode_hashes_like_the_original(original, mode, fmt, options):
    data = encode(original.convert(mode), fmt, **options)
    result = sanitise_image(data)
    assert result.pdq_quality >= 80
    assert hamming(result.pdq_hash, ORIGINAL_PDQ) <= MAX_DISTANCE


def test_a_palette_image_with_a_transparent_colour_is_composited_over_white(original):
    palette = original.convert("P", palette=Image.Palette.ADAPTIVE)
    result = sanitise_image(encode(palette, "PNG", transparency=0))
    assert hamming(result.pdq_hash, ORIGINAL_PDQ) <= MAX_DISTANCE


def test_a_16_bit_grey_png_is_scaled_not_clipped(original):
    grey16 = original.convert("I").point(lambda v: v * 257).convert("I;16")
    result = sanitise_image(encode(grey16, "PNG"))
    assert hamming(result.pdq_hash, ORIGINAL_PDQ) <= MAX_DISTANCE


def test_transparent_pixels_become_white():
    clear = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    result = sanitise_image(encode(clear, "PNG"))
    with Image.open(io.BytesIO(result.content)) as out:
        assert out.mode == "RGB"
        assert out.getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("orientation", "upstream"),
    [
        (6, "reg-test-input/dih/bridge-4-rotate-270.jpg"),
        (8, "reg-test-input/dih/bridge-2-rotate-90.jpg"),
        (3, "reg-test-input/dih/bridge-3-rotate-180.jpg"),
    ],
)
def test_it_applies_the_exif_orientation_before_hashing(original, orientation, upstream):
    exif = Image.Exif()
    exif[0x0112] = orientation
    result = sanitise_image(encode(original, "JPEG", quality=95, exif=exif.tobytes()))
    assert hamming(result.pdq_hash, EXPECTED[upstream]["pdq"]) <= MAX_DISTANCE
    if orientation in (6, 8):
        assert (result.width, result.height) == (original.height, original.width)


# --- type from the bytes ------------------------------------------------------------------------


def test_a_png_named_jpg_is_taken_for_the_png_it_is():
    png = encode(Image.new("RGB", (20, 10), (10, 200, 30)), "PNG")
    result = sanitise_image(png)  # the name and the declared type never reach the decision
    assert result.mime == "image/png"
    assert result.extension == ".png"
    assert (result.width, result.height) == (20, 10)


def test_a_photo_comes_out_as_a_jpeg_and_a_screenshot_as_a_png(original):
    assert sanitise_image(encode(original, "JPEG")).mime == "image/jpeg"
    for fmt in ("PNG", "WEBP", "GIF"):
        assert sanitise_image(encode(original.resize((64, 40)), fmt)).mime == "image/png"


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "placeholder")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"just some text, saved as picture.png\n", "not_an_image"),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "not_an_image"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "not_an_image"),
        (_zip_bytes(), "not_an_image"),
        (b"", "not_an_image"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "unsupported_type",
        ),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1"/>',
            "unsupported_type",
        ),
    ],
    ids=["text", "html", "pdf", "zip", "empty", "svg", "svg-xml"],
)
def test_it_refuses_files_that_are_not_pictures_whatever_their_name(data, code):
    assert rejection(data) == code


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_it_refuses_picture_types_pillow_could_read_but_we_do_not_take(fmt):
    data = encode(Image.new("RGB", (16, 16), (1, 2, 3)), fmt)
    code = rejection(data)
    assert code in ("unsupported_type", "not_an_image")
    if fmt != "PPM":
        assert code == "unsupported_type"


def test_it_refuses_a_file_over_10_mb_before_decoding():
    data = encode(Image.new("RGB", (4, 4)), "PNG")
    data += b"\0" * (11 * 1024 * 1024 - len(data))
    assert len(data) > MAX_UPLOAD_BYTES
    assert rejection(data) == "too_large"


def test_the_limits_are_those_of_the_security_rules():
    assert MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    # S10 allows up to 40 MP; 16 MP decoded per picture is the bound on memory (test_image_bounds).
    assert MAX_PIXELS == 16_000_000
    assert Image.MAX_IMAGE_PIXELS == MAX_DECLARED_PIXELS == 40_000_000
    assert MAX_FILES_PER_REPORT == 5


@pytest.mark.parametrize("size", [(10_000, 10_000), (7_000, 6_000)], ids=["100MP", "42MP"])
def test_it_refuses_a_decompression_bomb(size):
    bomb = encode(Image.new("1", size), "PNG")
    assert len(bomb) < 100_000  # tiny on disk, huge in memory
    assert rejection(bomb) == "too_many_pixels"


def test_an_image_at_the_pixel_limit_is_accepted():
    result = sanitise_image(encode(Image.new("1", (4_000, 4_000)), "PNG"))  # 16 MP
    assert (result.width, result.height) == (4_000, 4_000)


def test_it_refuses_a_truncated_jpeg_as_corrupt():
    data = (DATA / "aaa-orig.jpg").read_bytes()
    assert rejection(data[: len(data) // 2]) == "corrupt"


def test_it_refuses_a_png_with_a_bad_checksum_as_corrupt():
    data = bytearray(encode(Image.new("RGB", (32, 32), (9, 9, 9)), "PNG"))
    data[-20] ^= 0xFF  # inside the last IDAT chunk
    assert rejection(bytes(data)) == "corrupt"


# --- metadata -----------------------------------------------------------------------------------


def _assert_no_metadata(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as out:
        assert len(out.getexif()) == 0
        for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop"):
            assert key not in out.info
        if out.format == "PNG":
            assert out.text == {}
            assert out.info == {}
        assert b"GPS" not in content
        assert b"placeholder-secret" not in content


def test_a_jpeg_with_gps_tags_an_icc_profile_and_xmp_comes_out_clean(original):
    exif = Image.Exif()
    exif[0x010F] = "placeholder-secret maker"  # Make
    exif[0x0132] = "2024:01:01 12:00:00"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (41.0, 19.0, 50.0)
    gps[3] = "E"
    gps[4] = (19.0, 49.0, 5.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">placeholder-secret</x:xmpmeta>'
    data = encode(
        original.resize((320, 200)),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        xmp=xmp,
        comment=b"placeholder-secret comment",
    )
    with Image.open(io.BytesIO(data)) as dirty:  # the input really carries all of it
        assert dirty.getexif().get_ifd(0x8825)
        assert dirty.info["icc_profile"]
        assert "xmp" in dirty.info
    result = sanitise_image(data)
    _assert_no_metadata(result.content)
    assert result.sha256 == hashlib.sha256(data).hexdigest()  # of what was sent


def test_a_png_with_text_chunks_exif_and_a_profile_comes_out_clean():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "placeholder-secret")
    info.add_itxt("XML:com.adobe.xmp", "placeholder-secret", zip=True)
    exif = Image.Exif()
    exif[0x010F] = "placeholder-secret maker"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        Image.new("RGB", (40, 30), (50, 60, 70)), "PNG", pnginfo=info, exif=exif, icc_profile=icc
    )
    result = sanitise_image(data)
    _assert_no_metadata(result.content)


def test_an_animated_gif_keeps_its_first_frame_only():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    result = sanitise_image(out.getvalue())
    with Image.open(io.BytesIO(result.content)) as clean:
        assert getattr(clean, "n_frames", 1) == 1
        assert clean.getpixel((5, 5)) == (255, 0, 0)


def test_hash_image_gives_the_same_hashes_without_keeping_the_picture(original):
    data = encode(original.resize((400, 251)), "JPEG")
    hashes = hash_image(data)
    assert hashes == sanitise_image(data).hashes
    assert hashes.sha256 == hashlib.sha256(data).hexdigest()
    with pytest.raises(ImageRejected):
        hash_image(b"<html></html>")


# --- fuzzing ------------------------------------------------------------------------------------

SIGNATURES = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 "]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(SIGNATURES), body=st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_image_rejected(prefix, body):
    try:
        result = sanitise_image(prefix + body)
    except ImageRejected as exc:
        assert exc.code in {"not_an_image", "unsupported_type", "corrupt", "too_many_pixels"}
    else:
        assert result.mime in ("image/png", "image/jpeg")
