"""Safe handling of uploaded images (S10, S11).

The type comes from the bytes, never from the name or the declared content type; only JPEG, PNG,
WEBP and GIF are decoded. The result is re-encoded from pixel data only, so no metadata survives
(no EXIF, GPS, XMP, ICC profile, comments or text chunks):

- JPEG input (photos) becomes a JPEG at quality 85: re-encoding a photo as PNG would make it
  several times larger for no gain in evidence.
- PNG, WEBP and GIF input (screenshots, mostly) becomes a PNG, lossless. Animated images keep
  their first frame.

Both outputs are RGB: any alpha is composited over white, after applying the EXIF orientation.
SHA-256 is taken of the original bytes (what was sent); PDQ of the upright RGB image, resized to
512 x 512 first when larger, as Meta's C++ reference hasher does. One call decodes a picture
once and gives everything: the clean copy, its size and both hashes.

Decoding is bounded before a pixel is decoded, from the header alone (a 168 KB PNG can declare
6300 x 6300 pixels, about 750 MB once decoded the old way):

- per picture: at most MAX_PIXELS decoded (see its comment for the figure); a JPEG photo of up to
  MAX_DECLARED_PIXELS (baseline, as phones write them) is decoded at 1/2, 1/4 or 1/8 scale by
  libjpeg itself (cheap, and PDQ works on 512 x 512 anyway); any other picture above MAX_PIXELS
  is refused;
- per request: a RequestPixelBudget, spent by each picture before it is decoded;
- per process: decodes in flight share PROCESS_DECODE_PIXELS; a picture that cannot get its share
  within DECODE_WAIT_SECONDS is refused with code "busy", which callers answer with "try again"
  (503 and Retry-After in the API).
"""

import contextlib
import hashlib
import io
import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pdqhash
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Pixels decoded per picture. Phone screenshots are 2-5 MP (1080 x 1920 = 2.1 MP, 1290 x 2796 =
# 3.6 MP, 1440 x 3200 = 4.6 MP), a 4K desktop screenshot 8.3 MP, a phone photo 12-16 MP
# (4032 x 3024 = 12.2 MP; the 16 MP cameras of cheap Android phones, 4608 x 3456 = 15.9 MP).
# At about 9 bytes a pixel at the peak of decoding, 16 MP costs about 150 MB: the ceiling.
MAX_PIXELS = 16_000_000
# S10's ceiling on what a file may declare at all; above MAX_PIXELS only a JPEG gets through,
# decoded at a reduced scale (the 24 MP default photo of recent iPhones comes out at 6 MP).
MAX_DECLARED_PIXELS = 40_000_000
# Pixels per request: five phone screenshots (5 x 4.6 MP), or two or three photos.
REQUEST_MAX_PIXELS = 40_000_000
# Pixels decoding at once in one process: one largest picture, or several screenshots together.
PROCESS_DECODE_PIXELS = MAX_PIXELS
# How long a picture waits for its share before the person is asked to try again; a 16 MP
# picture decodes in well under a second.
DECODE_WAIT_SECONDS = 10.0
BUSY_RETRY_AFTER = 5  # seconds, for the API's Retry-After
MAX_FILES_PER_REPORT = 5
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
JPEG_QUALITY = 85
PDQ_SIZE = 512

# Pillow warns above this many pixels and refuses above twice as many; the warning is turned into
# an error around each decode below. `warnings.catch_warnings` is not thread-safe, so the size is
# also checked explicitly before any pixel is decoded: that check is the one to rely on.
Image.MAX_IMAGE_PIXELS = MAX_DECLARED_PIXELS

REJECTION_CODES = (
    "too_large",
    "not_an_image",
    "unsupported_type",
    "too_many_pixels",
    "request_too_many_pixels",
    "corrupt",
    "busy",
)

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

    @property
    def status(self) -> int:
        """The HTTP status to answer with: 413 too large, 503 busy, else 422."""
        return {"too_large": 413, "busy": 503}.get(self.code, 422)


class DecoderBusy(ImageRejected):
    """Too many pictures decoding in this process: nothing wrong with the picture, try again."""

    retry_after = BUSY_RETRY_AFTER


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


@dataclass(frozen=True)
class PictureHeader:
    """What the header says, read without decoding a pixel."""

    format: str  # one of ALLOWED_FORMATS
    width: int  # as declared
    height: int
    scale: int  # 1, or 2, 4, 8 for a large JPEG decoded at reduced scale

    @property
    def decoded_pixels(self) -> int:
        return math.ceil(self.width / self.scale) * math.ceil(self.height / self.scale)


def _reject(code: str) -> ImageRejected:
    messages = {
        "too_large": gettext("This file is too big. Please send a picture smaller than 10 MB."),
        "not_an_image": gettext("This file is not a picture. Please send a screenshot or photo."),
        "unsupported_type": gettext(
            "We cannot take this type of picture. Please send a JPEG, PNG, WEBP or GIF."
        ),
        "too_many_pixels": gettext("This picture is too large. Please send a smaller one."),
        "request_too_many_pixels": gettext(
            "These pictures are too large together. Please send fewer or smaller pictures."
        ),
        "corrupt": gettext("This picture seems damaged. Please try another one."),
    }
    return ImageRejected(code, messages[code])


def _busy() -> DecoderBusy:
    return DecoderBusy(
        "busy",
        gettext("We are busy checking other pictures. Please wait a moment and send it again."),
    )


class RequestPixelBudget:
    """Pixels one request may decode, all its pictures together; make one per request."""

    def __init__(self, limit: int = REQUEST_MAX_PIXELS) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, pixels: int) -> None:
        """Take `pixels` from the budget, or raise ImageRejected("request_too_many_pixels")."""
        if self.spent + pixels > self.limit:
            raise _reject("request_too_many_pixels")
        self.spent += pixels


class ProcessPixelPool:
    """Pixels decoding at once in this process (a semaphore counted in pixels).

    Memory at the peak of decoding grows with the pixels decoded, so counting pixels bounds the
    process's memory whatever the mix: one 16 MP photo, or several phone screenshots at once.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0
        self._condition = threading.Condition()

    @contextmanager
    def reserve(self, pixels: int, *, timeout: float) -> Iterator[None]:
        """Hold `pixels` of the pool while decoding; DecoderBusy if not free within `timeout`."""
        pixels = min(pixels, self.capacity)  # a picture this large still gets the pool alone
        with self._condition:
            if not self._condition.wait_for(
                lambda: self.in_use + pixels <= self.capacity, timeout=timeout
            ):
                raise _busy()
            self.in_use += pixels
        try:
            yield
        finally:
            with self._condition:
                self.in_use -= pixels
                self._condition.notify_all()


DECODE_POOL = ProcessPixelPool(PROCESS_DECODE_PIXELS)


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


def _open_header(data: bytes) -> Image.Image:
    """Pillow's open: it reads the header only, no pixel is decoded yet."""
    if not data:
        raise _reject("not_an_image")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _reject("too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
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
    return image


def _header_of(image: Image.Image) -> PictureHeader:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _reject("corrupt")
    if width * height > MAX_DECLARED_PIXELS:
        raise _reject("too_many_pixels")
    scale = 1
    if width * height > MAX_PIXELS:
        if image.format != "JPEG" or image.info.get("progressive"):
            raise _reject("too_many_pixels")
        # libjpeg decodes a baseline JPEG at 1/2, 1/4 or 1/8 scale for the cost of the smaller
        # picture (a progressive one would still hold every coefficient, 6 bytes a pixel).
        scale = next(
            s for s in (2, 4, 8) if math.ceil(width / s) * math.ceil(height / s) <= MAX_PIXELS
        )
    return PictureHeader(format=str(image.format), width=width, height=height, scale=scale)


def picture_header(data: bytes) -> PictureHeader:
    """Check size, type and declared dimensions from the header alone; no pixel is decoded.

    Raises ImageRejected ("too_large", "not_an_image", "unsupported_type", "too_many_pixels",
    "corrupt"). Cheap enough to run on every file of a request before decoding any of them.
    """
    return _header_of(_open_header(data))


def _load(data: bytes, header: PictureHeader) -> Image.Image:
    """Fully decode, at the header's scale; every failure becomes an ImageRejected."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if header.format == "PNG":
                # Checks every chunk's CRC without keeping pixels; a PNG cannot be used after it.
                Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS).verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if header.scale > 1:
                image.draft(
                    None,
                    (
                        math.ceil(header.width / header.scale),
                        math.ceil(header.height / header.scale),
                    ),
                )
                if image.width * image.height > MAX_PIXELS:
                    raise _reject("too_many_pixels")
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _reject("too_many_pixels") from None
    except Exception:  # truncated, bad checksums, decoder errors
        raise _reject("corrupt") from None
    return image


def _upright_rgb(image: Image.Image) -> Image.Image:
    """The EXIF orientation applied, then RGB over white, with no metadata; frees as it goes."""
    with contextlib.suppress(Exception):  # a broken orientation tag is no reason to refuse
        ImageOps.exif_transpose(image, in_place=True)
    try:
        rgb = to_rgb(image)
        if rgb is image:
            # Rebuilt from pixel data only: nothing of the original's `info` (EXIF, ICC, XMP...)
            # and none of its format's object remains.
            rgb = Image.new("RGB", image.size)
            rgb.paste(image)
    except Exception:
        raise _reject("corrupt") from None
    rgb.info = {}
    return rgb


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB, alpha (or palette transparency) composited over white.

    Returns `image` itself when it is already RGB, else a new image (whose `info` is a copy).
    At most one full-size copy is made besides the input: memory is the bound here.
    """
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I", "F") or mode.startswith("I;16"):
        values = np.array(image)
        if values.size and values.max() > 255:
            values //= 257  # 16-bit samples
        np.clip(values, 0, 255, out=values)
        grey = Image.fromarray(values.astype(np.uint8), "L")
        del values
        return grey.convert("RGB")
    if "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info:
        rgba = image if mode == "RGBA" else image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, (0, 0), rgba)  # the alpha band as the mask: "over" on white
        return background
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


def decode_picture(
    data: bytes,
    *,
    keep: bool = True,
    budget: RequestPixelBudget | None = None,
    pool: ProcessPixelPool | None = None,
) -> SanitisedImage:
    """Check, decode once, clean and hash an upload.

    The header is checked first (no pixel decoded), then the request's `budget` is spent, then
    the picture waits for its share of the process's pool and is decoded once: EXIF orientation
    applied, RGB over white, SHA-256 of `data` and PDQ of those pixels, and, when `keep`, the
    re-encoded copy without metadata (with `keep=False`, for a picture that must not be kept,
    `content` is empty and `mime` is ""). Raises ImageRejected with a code and a kind message;
    DecoderBusy (an ImageRejected, code "busy") when the process is busy: ask to try again.
    """
    header = picture_header(data)
    if budget is not None:
        budget.spend(header.decoded_pixels)
    with (pool or DECODE_POOL).reserve(header.decoded_pixels, timeout=DECODE_WAIT_SECONDS):
        rgb = _upright_rgb(_load(data, header))
        pdq_hash, quality = _pdq(rgb)
        content, mime = _encode(rgb, header.format) if keep else (b"", "")
        width, height = rgb.size
        del rgb
    return SanitisedImage(
        content=content,
        mime=mime,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        pdq_hash=pdq_hash,
        pdq_quality=quality,
    )


def hash_image(data: bytes, *, budget: RequestPixelBudget | None = None) -> ImageHashes:
    """Check and hash an upload without keeping it (abuse-material reports: hash and discard)."""
    return decode_picture(data, keep=False, budget=budget).hashes


def sanitise_image(data: bytes, *, budget: RequestPixelBudget | None = None) -> SanitisedImage:
    """Check, clean and hash an upload; raises ImageRejected with a code and a kind message."""
    return decode_picture(data, keep=True, budget=budget)
