"""Decoding is bounded before a pixel is decoded: per picture, per request, per process.

The memory test runs in a fresh interpreter, so its peak resident memory is its own.
"""

import functools
import io
import json
import math
import os
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image

from isigurt.lib import images
from isigurt.lib.images import (
    MAX_DECLARED_PIXELS,
    MAX_PIXELS,
    REQUEST_MAX_PIXELS,
    DecoderBusy,
    ImageRejected,
    ProcessPixelPool,
    RequestPixelBudget,
    decode_picture,
    hash_image,
    picture_header,
    sanitise_image,
)

ROOT = Path(__file__).resolve().parents[3]
PDQ_ORIGINAL = Path(__file__).parent / "data" / "pdq" / "aaa-orig.jpg"


@functools.cache
def png_bomb(width: int, height: int, *, alpha: bool = True) -> bytes:
    """A valid PNG of blank rows: a few hundred KB on disk, width x height x 4 bytes decoded.

    Written chunk by chunk, so making it costs no more memory than the file.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    channels = 4 if alpha else 3
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    row = b"\0" * (1 + width * channels)
    compressor = zlib.compressobj(6)  # blank rows: about 1000:1, as fast as it gets there
    block = row * 64
    body = b"".join(compressor.compress(block) for _ in range(height // 64))
    body += compressor.compress(row * (height % 64)) + compressor.flush()
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


# --- per picture: the header decides -----------------------------------------------------------


def test_the_limits_are_named_and_chosen_for_phone_pictures():
    assert MAX_PIXELS == 16_000_000  # a 16 MP phone photo; screenshots are 2-5 MP
    assert MAX_PIXELS >= 4608 * 3456  # the largest common phone camera's default
    assert MAX_DECLARED_PIXELS == 40_000_000  # S10's ceiling
    assert Image.MAX_IMAGE_PIXELS == MAX_DECLARED_PIXELS
    assert REQUEST_MAX_PIXELS >= 5 * 1440 * 3200  # five screenshots of a large phone


def test_the_header_check_refuses_a_bomb_without_decoding_it():
    bomb = png_bomb(6300, 6300)
    assert len(bomb) < 200_000  # tiny on disk, 159 MB of pixels
    tracemalloc.start()
    try:
        with pytest.raises(ImageRejected) as excinfo:
            picture_header(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert excinfo.value.code == "too_many_pixels"
    assert peak < 2 * 1024 * 1024


def test_the_header_reports_the_size_without_decoding():
    header = picture_header(png_bomb(3000, 2000))
    assert (header.format, header.width, header.height, header.scale) == ("PNG", 3000, 2000, 1)
    assert header.decoded_pixels == 6_000_000


def test_a_screenshot_just_at_the_limit_is_decoded_and_one_pixel_more_is_not():
    assert sanitise_image(png_bomb(4000, 4000)).width == 4000
    with pytest.raises(ImageRejected) as excinfo:
        sanitise_image(png_bomb(4001, 4000))
    assert excinfo.value.code == "too_many_pixels"


def test_a_large_baseline_jpeg_photo_is_decoded_at_half_scale_and_hashes_the_same():
    with Image.open(PDQ_ORIGINAL) as original:
        photo = original.convert("RGB").resize((5712, 4284))  # a recent iPhone's 24 MP photo
    header = picture_header(data := encode(photo, "JPEG", quality=90))
    assert header.scale == 2
    result = sanitise_image(data)
    assert (result.width, result.height) == (2856, 2142)
    assert result.mime == "image/jpeg"
    full = sanitise_image(encode(photo.resize((2856, 2142)), "JPEG", quality=90))
    assert hamming(result.pdq_hash, full.pdq_hash) <= 10  # Meta's rule for the same picture


def test_a_large_progressive_jpeg_or_one_over_40_megapixels_is_refused():
    big = Image.new("RGB", (5000, 4000), (120, 130, 140))
    with pytest.raises(ImageRejected) as excinfo:
        picture_header(encode(big, "JPEG", progressive=True))
    assert excinfo.value.code == "too_many_pixels"
    with pytest.raises(ImageRejected) as excinfo:
        picture_header(encode(Image.new("L", (7000, 6000)), "JPEG"))
    assert excinfo.value.code == "too_many_pixels"


# --- decode once --------------------------------------------------------------------------------


def test_one_decode_gives_the_clean_copy_and_both_hashes():
    with Image.open(PDQ_ORIGINAL) as original:
        data = encode(original.convert("RGB").resize((400, 251)), "JPEG")
    kept = decode_picture(data, keep=True)
    hashed = decode_picture(data, keep=False)
    assert kept.content and kept.mime == "image/jpeg"
    assert (hashed.content, hashed.mime) == (b"", "")
    assert hashed.hashes == kept.hashes == hash_image(data)
    assert (hashed.width, hashed.height) == (kept.width, kept.height) == (400, 251)


def test_the_image_is_decoded_only_once(monkeypatch):
    loads = []
    real_load = images._load

    def counting_load(data, header):
        loads.append(header)
        return real_load(data, header)

    monkeypatch.setattr(images, "_load", counting_load)
    sanitise_image(encode(Image.new("RGB", (64, 48), (1, 2, 3)), "PNG"))
    assert len(loads) == 1


# --- per request --------------------------------------------------------------------------------


def test_the_request_budget_refuses_the_picture_that_would_exceed_it_before_decoding(monkeypatch):
    budget = RequestPixelBudget(limit=20_000_000)
    picture = png_bomb(3000, 3000)  # 9 MP
    sanitise_image(picture, budget=budget)
    sanitise_image(picture, budget=budget)
    assert budget.spent == 18_000_000
    decoded = []
    monkeypatch.setattr(images, "_load", lambda *args: decoded.append(args))
    with pytest.raises(ImageRejected) as excinfo:
        sanitise_image(picture, budget=budget)
    assert excinfo.value.code == "request_too_many_pixels"
    assert excinfo.value.message
    assert decoded == []
    assert budget.spent == 18_000_000


def test_a_refused_header_spends_nothing():
    budget = RequestPixelBudget()
    with pytest.raises(ImageRejected):
        sanitise_image(png_bomb(6300, 6300), budget=budget)
    assert budget.spent == 0


# --- per process --------------------------------------------------------------------------------


def test_the_pool_never_holds_more_pixels_than_its_capacity():
    pool = ProcessPixelPool(10)
    seen: list[int] = []
    errors: list[BaseException] = []

    def decode(pixels: int) -> None:
        try:
            with pool.reserve(pixels, timeout=5):
                seen.append(pool.in_use)
                time.sleep(0.02)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=decode, args=(p,)) for p in (6, 6, 4, 3, 10, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(seen) == 6
    assert max(seen) <= 10
    assert pool.in_use == 0


def test_a_picture_waits_for_its_share_then_is_told_to_try_again(monkeypatch):
    pool = ProcessPixelPool(MAX_PIXELS)
    monkeypatch.setattr(images, "DECODE_WAIT_SECONDS", 0.05)
    picture = png_bomb(2000, 2000)
    with pool.reserve(MAX_PIXELS, timeout=0):  # another request decodes a 16 MP picture
        started = time.monotonic()
        with pytest.raises(DecoderBusy) as excinfo:
            decode_picture(picture, pool=pool)
        assert time.monotonic() - started < 2
    assert excinfo.value.code == "busy"
    assert isinstance(excinfo.value, ImageRejected)
    assert excinfo.value.retry_after > 0
    assert "again" in excinfo.value.message
    assert decode_picture(picture, pool=pool).width == 2000  # free again
    assert pool.in_use == 0


def test_the_pool_is_released_when_a_picture_is_corrupt():
    pool = ProcessPixelPool(MAX_PIXELS)
    data = bytearray(encode(Image.new("RGB", (32, 32), (9, 9, 9)), "PNG"))
    data[-20] ^= 0xFF
    with pytest.raises(ImageRejected):
        decode_picture(bytes(data), pool=pool)
    assert pool.in_use == 0


# --- memory: bombs sent at once, measured in a fresh interpreter --------------------------------

MEMORY_PROBE = """
import json, resource, sys, threading
import django
django.setup()
from isigurt.lib import images
from isigurt.lib.images import ImageRejected, RequestPixelBudget, sanitise_image

images.DECODE_WAIT_SECONDS = 300  # measured here: memory, not patience on a loaded machine

paths = json.loads(sys.argv[1])
pictures = [open(path, "rb").read() for path in paths]
outcomes = []

def send(data):
    try:
        sanitise_image(data, budget=RequestPixelBudget())
        outcomes.append("ok")
    except ImageRejected as exc:
        outcomes.append(exc.code)

def peak_mb():
    # VmHWM is this process's own peak; ru_maxrss would carry the parent's across exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = peak_mb()
threads = [threading.Thread(target=send, args=(data,)) for data in pictures]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"before": before, "after": peak_mb(), "outcomes": sorted(outcomes)}))
"""

# Three 16 MP pictures with alpha at once (the costliest accepted kind): the pool lets one
# decode at a time, about 125 MB at its peak. Before the bounds: 3 x 370 MB at once.
MEMORY_CEILING_MB = 200


def _probe(tmp_path: Path, pictures: list[bytes]) -> dict:
    paths = []
    for number, data in enumerate(pictures):
        path = tmp_path / f"picture-{number}.png"
        path.write_bytes(data)
        paths.append(str(path))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "isigurt.settings.test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, json.dumps(paths)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["growth"] = figures["after"] - figures["before"]
    print(f"peak memory growth: {figures['growth']:.0f} MB for {figures['outcomes']}")
    return figures


def test_three_bombs_at_once_are_refused_with_almost_no_memory(tmp_path):
    bomb = png_bomb(6300, 6300)  # 168 KB declaring 40 MP: about 910 MB each, decoded before
    figures = _probe(tmp_path, [bomb, bomb, bomb])
    assert figures["outcomes"] == ["too_many_pixels"] * 3
    assert figures["growth"] < 20


def test_three_largest_pictures_at_once_stay_under_the_memory_ceiling(tmp_path):
    largest = png_bomb(4000, 4000)  # 16 MP with alpha, accepted
    figures = _probe(tmp_path, [largest, largest, largest])
    assert figures["outcomes"] == ["ok"] * 3
    assert figures["growth"] < MEMORY_CEILING_MB
    assert math.isfinite(figures["growth"])


@pytest.mark.parametrize(
    ("code", "status"), [("too_large", 413), ("busy", 503), ("corrupt", 422), ("not_an_image", 422)]
)
def test_each_refusal_names_its_http_status(code, status):
    assert ImageRejected(code, "message").status == status
