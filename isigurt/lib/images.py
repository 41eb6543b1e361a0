"""Safe handling of uploaded images (S10, S11).

The type comes from the bytes, never from the name or the declared content type; only JPEG, PNG,
WEBP and GIF are decoded. Files over 10 MB and images over 40 megapixels are refused before any
pixel is decoded. The result is re-encoded from pixel data only, so no metadata survives (no
EXIF, GPS, XMP, ICC profile, comments or text chunks):

- JPEG input (photos) becomes a JPEG at quality 85: re-encoding a photo as PNG would make it
  several times larger for no gain in evidence.
- PNG, WEBP and GIF input (screenshots, mostly) becomes a PNG, lossless. Animated images keep
  their first frame.

Both outputs are RGB: any alpha is composited over white, after applying the EXIF orientation.
SHA-256 is taken of the original bytes (what was sent); PDQ of the upright RGB image, resized to
512 x 512 first when larger, as Meta's C++ reference hasher does.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pdqhash
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_FILES_PER_REPORT = 5
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 85
PDQ_SIZE = 512

# Pillow warns above this many pixels and refuses above twice as many; the warning is turned into
# an error around each decode below. `warnings.catch_warnings` is not thread-safe, so the size is
# also checked explicitly before any pixel is decoded: that check is the one to rely on.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

REJECTION_CODES = ("too_large", "not_an_image", "unsupported_type", "too_many_pixels", "corrupt")

# Signatures of image formats we recognise but do not accept (only to choose the message).
_OTHER_IMAGE_SIGNATURES = (
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL ",  # JPEG XL container
    b"qoif",  # QOI
)
_ISO_BMFF_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"mif1", b"msf1", b"avif", b"avis")


class ImageRejected(Exception):  # the name reads as what happened
    """An upload refused; `code` is one of REJECTION_CODES, `message` is for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class ImageHashes:
    sha256: str  # of the original bytes, 64 hex characters
    pdq_hash: str  # 64 hex characters (256 bits)
    pdq_quality: int  # 0-100; below 80 the PDQ hash is not reliable for matching


@dataclass(frozen=True)
class SanitisedImage:
    content: bytes  # re-encoded, no metadata
    mime: str  # "image/jpeg" or "image/png"
    width: int
    height: int
    sha256: str
    pdq_hash: str
    pdq_quality: int

    @property
    def extension(self) -> str:
        return ".jpg" if self.mime == "image/jpeg" else ".png"

    @property
    def hashes(self) -> ImageHashes:
        return ImageHashes(self.sha256, self.pdq_hash, self.pdq_quality)


def _reject(code: str) -> ImageRejected:
    messages = {
        "too_large": gettext("This file is too big. Please send a picture smaller than 10 MB."),
        "not_an_image": gettext("This file is not a picture. Please send a screenshot or photo."),
        "unsupported_type": gettext(
            "We cannot take this type of picture. Please send a JPEG, PNG, WEBP or GIF."
        ),
        "too_many_pixels": gettext("This picture is too large. Please send a smaller one."),
        "corrupt": gettext("This picture seems damaged. Please try another one."),
    }
    return ImageRejected(code, messages[code])


def _looks_like_other_image(data: bytes) -> bool:
    head = data[:64]
    if head.startswith(_OTHER_IMAGE_SIGNATURES):
        return True
    if head[4:8] == b"ftyp" and head[8:12] in _ISO_BMFF_IMAGE_BRANDS:
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<svg") or (
        text.startswith(b"<?xml") and b"<svg" in data[:1024].lower()
    )


def _open(data: bytes) -> Image.Image:
    """Open, check and fully decode; every failure becomes an ImageRejected."""
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        code = "unsupported_type" if _looks_like_other_image(data) else "not_an_image"
        raise _reject(code) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _reject("too_many_pixels") from None
    except Exception:  # any parser failure on a header means a broken file
        raise _reject("corrupt") from None
    if image.format not in ALLOWED_FORMATS:
        raise _reject("unsupported_type")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _reject("corrupt")
    if width * height > MAX_PIXELS:
        raise _reject("too_many_pixels")
    try:
        image.verify()
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _reject("too_many_pixels") from None
    except Exception:  # truncated, bad checksums, decoder errors
        raise _reject("corrupt") from None
    return image


def _decode(data: bytes) -> tuple[Image.Image, str]:
    if not data:
        raise _reject("not_an_image")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _reject("too_large")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
    source_format = str(image.format)
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # a broken orientation tag is not a reason to refuse
        upright = image
    try:
        rgb = to_rgb(upright)
    except Exception:
        raise _reject("corrupt") from None
    # Rebuilt from pixel data only: nothing of the original's `info` (EXIF, ICC, XMP...) remains.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean, source_format


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB, alpha (or palette transparency) composited over white."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0  # 16-bit samples
        grey = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")
        return grey.convert("RGB")
    if "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    # P, L, 1, CMYK (Pillow undoes Adobe's inverted CMYK when decoding), YCbCr, LAB, HSV.
    return image.convert("RGB")


def _pdq(rgb: Image.Image) -> tuple[str, int]:
    if rgb.width > PDQ_SIZE or rgb.height > PDQ_SIZE:
        rgb = rgb.resize((PDQ_SIZE, PDQ_SIZE), Image.Resampling.LANCZOS)
    bits, quality = pdqhash.compute(np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)))
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:064x}", int(quality)


def _encode(image: Image.Image, source_format: str) -> tuple[bytes, str]:
    out = io.BytesIO()
    options: dict[str, Any]
    if source_format == "JPEG":
        options = {"format": "JPEG", "quality": JPEG_QUALITY, "optimize": True}
        mime = "image/jpeg"
    else:
        # Level 3: about as small as 6 for screenshots, three times faster on photos.
        options = {"format": "PNG", "compress_level": 3}
        mime = "image/png"
    image.save(out, **options)
    return out.getvalue(), mime


def hash_image(data: bytes) -> ImageHashes:
    """Check and hash an upload without keeping it (abuse-material reports: hash and discard)."""
    image, _source_format = _decode(data)
    pdq_hash, quality = _pdq(image)
    return ImageHashes(hashlib.sha256(data).hexdigest(), pdq_hash, quality)


def sanitise_image(data: bytes) -> SanitisedImage:
    """Check, clean and hash an upload; raises ImageRejected with a code and a kind message."""
    image, source_format = _decode(data)
    pdq_hash, quality = _pdq(image)
    content, mime = _encode(image, source_format)
    return SanitisedImage(
        content=content,
        mime=mime,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        pdq_hash=pdq_hash,
        pdq_quality=quality,
    )
