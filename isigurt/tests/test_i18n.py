"""Both catalogues are complete: every string a person sees has an Albanian and an English text."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("sq", "en")
DOMAINS = ("django", "djangojs")


def _untranslated(po_path: Path) -> list[str]:
    catalogue = polib.pofile(str(po_path))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    missing += [f"(fuzzy) {entry.msgid}" for entry in catalogue.fuzzy_entries()]
    return missing


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Extract every string of the code into a copy of the catalogues, as `make messages` does.

    makemessages writes next to the sources it scans, so it runs on a scratch copy of the tree:
    the committed catalogues are never touched by the test.
    """
    scratch = tmp_path_factory.mktemp("tree")
    shutil.copytree(
        ROOT / "isigurt", scratch / "isigurt", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "locale", scratch / "locale")
    shutil.copy(ROOT / "manage.py", scratch / "manage.py")
    env = {**os.environ, "ISIGURT_LOCALE_DIR": str(scratch / "locale")}
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-d",
                domain,
                "-l",
                "sq",
                "-l",
                "en",
                "-v",
                "0",
            ],
            cwd=scratch,
            env=env,
            check=True,
            timeout=300,
        )
    return scratch / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_string_in_the_code_is_translated(
    fresh_catalogues: Path, language: str, domain: str
) -> None:
    po_path = fresh_catalogues / language / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.exists():
        pytest.skip(f"no {domain} strings in the code")
    missing = _untranslated(po_path)
    assert not missing, f"{len(missing)} strings lack a {language} text, e.g. {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogues_are_complete(language: str) -> None:
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert po_path.exists()
    assert _untranslated(po_path) == []


def test_albanian_is_the_default_language(client: Client) -> None:
    response = client.get("/")
    assert response["Content-Language"] == "sq"
    assert 'lang="sq"' in response.content.decode()


def test_english_is_served_under_its_prefix(client: Client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert 'lang="en"' in response.content.decode()


def test_the_home_page_differs_between_languages(client: Client) -> None:
    albanian = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert "Quick exit" in english
    assert "Quick exit" not in albanian


def test_the_language_switch_keeps_the_page(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/en/"


@pytest.mark.parametrize(
    ("active", "language", "page", "expected"),
    [
        ("sq", "sq", "/en/report/", "/raporto/"),  # back to Albanian from an English page
        ("en", "sq", "/en/report/", "/raporto/"),
        ("sq", "en", "/raporto/", "/en/report/"),
        ("en", "en", "/ndjek/", "/en/track/"),
    ],
)
def test_the_language_switch_goes_to_the_same_page_in_the_chosen_language(
    client: Client, active: str, language: str, page: str, expected: str
) -> None:
    client.cookies["django_language"] = active
    with translation.override(active):
        response = client.post(reverse("set_language"), {"language": language, "next": page})
    assert response.status_code == 302
    assert response["Location"] == expected


def test_translated_url_paths_exist_in_both_languages() -> None:
    with translation.override("sq"):
        albanian = reverse("reports:start")
    with translation.override("en"):
        english = reverse("reports:start")
    assert albanian == "/raporto/"
    assert english == "/en/report/"
