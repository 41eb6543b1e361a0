"""Test data for reports: neutral placeholders only, never realistic abuse content."""

import io
import shutil
import uuid
from typing import Any

import factory
import pytest
from django.core.cache import cache
from PIL import Image

from isigurt.reports.services import SubmittedReport, report_submit
from isigurt.reports.validation import ReportDraft


def draft_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": "bullying",
        "audience": "teen",
        "platform": "ExampleChat",
        "urls": ["https://example.com/post/1"],
        "usernames": ["@placeholder_user"],
        "description": "Placeholder description of what happened.",
        "language": "en",
    }
    values.update(overrides)
    return values


def draft(**overrides: Any) -> ReportDraft:
    """A valid draft (raises pydantic's ValidationError for invalid overrides)."""
    return ReportDraft.model_validate(draft_data(**overrides))


def draft_errors(**overrides: Any) -> dict[str, list[str]]:
    """The field messages for a draft with these answers ({} when it is valid)."""
    _draft, errors = ReportDraft.check(draft_data(**overrides))
    return errors


def submitted(**overrides: Any) -> SubmittedReport:
    key = overrides.pop("idempotency_key", None)
    channel = overrides.pop("channel", "web")
    return report_submit(draft=draft(**overrides), channel=channel, idempotency_key=key)


class ReportFactory(factory.Factory):
    """A report filed through the real service (so it has its outbox and audit rows)."""

    class Meta:
        model = dict

    category = "bullying"
    audience = "teen"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        return submitted(**kwargs).report


def report_payload(**overrides: Any) -> dict[str, Any]:
    """An API body for POST /api/v1/reports."""
    body: dict[str, Any] = {
        "category": "bullying",
        "audience": "teen",
        "platform": "ExampleChat",
        "urls": ["https://example.com/post/1"],
        "description": "Placeholder description.",
    }
    body.update(overrides)
    return body


def new_key() -> str:
    return str(uuid.uuid4())


def png_bytes(width: int = 64, height: int = 48, *, exif: bool = False) -> bytes:
    """A small neutral picture: a colour gradient."""
    image = Image.new("RGB", (width, height))
    for x in range(width):
        for y in range(height):
            image.putpixel((x, y), (x * 4 % 256, y * 5 % 256, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    image = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PlaceholderCameraMaker"
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def clear_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def evidence_root(tmp_path, settings):
    """A fresh, empty EVIDENCE_ROOT for the test."""
    root = tmp_path / "evidence"
    settings.EVIDENCE_ROOT = root
    yield root
    shutil.rmtree(root, ignore_errors=True)


def files_under(root: Any) -> list[Any]:
    from pathlib import Path

    path = Path(root)
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


__all__ = ["clear_cache", "evidence_root"]
