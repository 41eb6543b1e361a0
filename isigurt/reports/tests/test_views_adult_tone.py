"""A parent, a teacher or a professional is addressed as "ju" in Albanian on the shared report
pages (steps, messages, confirmation, the session-expired page); a child or teenager as "ti"."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# Albanian phrases that address the reader as "ti", as these pages used to show them to adults.
TI_PHRASES = (
    "Zgjidh atë që",
    "Zgjidh çfarë ndodhi",
    ">Vazhdo<",
    "Na trego më shumë",
    "përgjigju për aq",
    "Nuk ke nevojë",
    "Si mund të të përgjigjemi",
    "të të kontaktojë",
    "Dërgo raportimin",
    "Të lutem kontrollo",
    "Numri yt i telefonit",
    "ku mund të të telefonojmë",
    "raportimin tënd",
    "Raportimi yt",
    "sigurinë tënde",
    "Asgjë nga ato që shkrove",
    "Shtyp butonin",
    "Të lutem hape",
    "Nuk është faji yt",
    "Nëse të duhet ndihmë",
)


@pytest.fixture(autouse=True)
def _fresh(tmp_path, settings):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()


def sq(name: str) -> str:
    with translation.override("sq"):
        return reverse(name)


def form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([0-9a-f]+)"', html).group(1)


def pages(audience: str) -> dict[str, str]:
    """Every shared report page, in Albanian, as this reporter sees it."""
    client = Client()
    seen = {"step 1": client.get(sq("reports:start"), {"audience": audience})}
    seen["step 1, nothing chosen"] = client.post(sq("reports:start"), {"audience": audience})
    client.post(
        sq("reports:start"),
        {"audience": audience, "category": "bullying", "child_in_danger": "no"},
    )
    step2 = client.get(sq("reports:form"))
    seen["step 2"] = step2
    answers = {
        "form_key": form_key(step2.content.decode()),
        "description": "Placeholder description.",
        "contact_method": "phone",
        "contact_value": "12345",
        "contact_consent": "on",
    }
    seen["step 2, errors"] = client.post(sq("reports:form"), answers)
    answers["contact_value"] = "069 123 4567"
    assert client.post(sq("reports:form"), answers).status_code == 302
    seen["confirmation"] = client.get(sq("reports:done"))
    strict = Client(enforce_csrf_checks=True)
    seen["session expired"] = strict.post(
        sq("reports:form"), {"audience": audience, "category": "bullying", "description": "x"}
    )
    return {name: response.content.decode() for name, response in seen.items()}


def test_an_adult_is_addressed_as_ju_on_every_shared_page():
    for name, html in pages("adult").items():
        left = [phrase for phrase in TI_PHRASES if phrase in html]
        assert left == [], name
    step2 = pages("adult")["step 2, errors"]
    assert "Ju lutemi kontrolloni" in step2
    assert "Si mund t&#x27;ju përgjigjemi?" in step2 or "Si mund t'ju përgjigjemi?" in step2


def test_a_teenager_is_still_addressed_as_ti():
    seen = pages("teen")
    assert "Zgjidh atë që" in seen["step 1"]
    assert "Na trego më shumë" in seen["step 2"]
    assert "Të lutem kontrollo" in seen["step 2, errors"]
    assert "raportimin tënd" in seen["confirmation"]
    assert "sigurinë tënde" in seen["session expired"]
