"""The words people read: each audience addressed as it should be, in both languages.

Children and teenagers are addressed with "ti" in Albanian, adults (parents, teachers,
professionals) with "ju"; adults get their own advice; the Albanian texts mean what the English
says; a number of minutes is written with the right plural.
"""

import re
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext

from isigurt.reports.advice import STOP_NCII_URL, TAKE_IT_DOWN_URL
from isigurt.reports.categories import CATEGORY_SPECS, advice_for, category_specs
from isigurt.reports.models import Audience, Category, ReportStatus
from isigurt.reports.tests.factories import submitted
from isigurt.reports.tests.test_views import details, form_page, start, url

ROOT = Path(__file__).resolve().parents[3]
ALBANIAN = ROOT / "locale" / "sq" / "LC_MESSAGES" / "django.po"

# Second person singular ("ti") in the texts of this platform: possessives, "të lutem", and the
# singular imperatives the texts use. Plural ("ju"): possessives, "ju lutemi", imperatives in -ni.
TI = re.compile(
    r"\b(yt|jote|tënd|tënde|të lutem|mos paguaj|mos dërgo|blloko|raporto|ruaj|telefono"
    r"|telefonosh|mund të telefonosh|ndrysho|mos e shkarko|na jep|na dërgo|mos u përgjigj"
    r"|mos fol|tregoji|kërkoji|mos e shpërndaj|mos u përpiq|të shqetëson)\b",
    re.IGNORECASE,
)
JU = re.compile(
    r"\b(juaj|tuaj|tuaja|ju lutemi|ju shqetëson|\w+ni|\w+(ni|ju)ni)\b",
    re.IGNORECASE,
)


def albanian(audience: str) -> list[str]:
    """Every text one audience reads about the categories, in Albanian."""
    with translation.override("sq"):
        texts: list[str] = []
        for spec in category_specs(audience):
            texts += [spec["label"], spec["explanation"], *spec["advice"]]
        return texts


def test_adults_are_addressed_with_ju_in_every_category_text():
    ti = [text for text in albanian(Audience.ADULT) if TI.search(text)]
    assert ti == []
    assert any(JU.search(text) for text in albanian(Audience.ADULT))


@pytest.mark.parametrize("audience", [Audience.CHILD, Audience.TEEN])
def test_children_and_teenagers_are_addressed_with_ti(audience):
    texts = albanian(audience)
    assert [text for text in texts if re.search(r"\b(juaj|tuaj|tuaja|ju lutemi)\b", text)] == []
    assert any(TI.search(text) for text in texts)


@pytest.mark.parametrize("category", list(CATEGORY_SPECS))
def test_adults_get_their_own_advice_not_the_teenagers_list(category):
    with translation.override("sq"):
        adult = advice_for(category, Audience.ADULT)
        teen = advice_for(category, Audience.TEEN)
    assert adult and adult != teen


@pytest.mark.parametrize("category", [Category.GROOMING, Category.SEXTORTION])
def test_adults_are_told_to_reassure_keep_messages_and_report(category):
    adult = " ".join(advice_for(category, Audience.ADULT))
    assert "it is not their fault" in adult
    assert "Do not contact" in adult or "do not contact the person" in adult
    assert "never save, screenshot or forward sexual images" in adult
    assert "State Police" in adult and "ALO 116 111" in adult
    assert "child protection worker of your municipality" in adult
    with translation.override("sq"):
        sq = " ".join(advice_for(category, Audience.ADULT))
    assert "Policinë e Shtetit" in sq and "punonjësi për mbrojtjen e fëmijëve" in sq


@pytest.mark.parametrize("category", [Category.GROOMING, Category.SEXTORTION])
def test_teenagers_learn_it_is_not_their_fault_and_where_images_are_removed(category):
    teen = advice_for(category, Audience.TEEN)
    joined = " ".join(teen)
    assert "even if you sent the picture yourself" in joined
    assert TAKE_IT_DOWN_URL in joined and STOP_NCII_URL in joined
    save = next(i for i, line in enumerate(teen) if line.startswith("First save the messages"))
    assert "then block the person" in teen[save]
    if category == Category.SEXTORTION:
        assert "paying does not make it stop" in joined
    with translation.override("sq"):
        sq = " ".join(advice_for(category, Audience.TEEN))
    assert "edhe nëse foton e dërgove vetë" in sq and TAKE_IT_DOWN_URL in sq


def test_the_app_advice_pages_carry_the_same_advice_with_links(client):
    teen = client.get(url_app("teen")).content.decode()
    with translation.override("en"):
        for line in advice_for(Category.SEXTORTION, Audience.TEEN):
            assert line.split(":")[0] in teen
    assert f'href="{TAKE_IT_DOWN_URL}"' in teen
    with translation.override("sq"):
        adult = client.get("/app/advice/adult/").content.decode()
        for line in advice_for(Category.GROOMING, Audience.ADULT):
            assert line.split(":")[0] in adult
    assert "qëndroni të qetë" in adult  # the adult page's own opening, with "ju"


def url_app(audience: str) -> str:
    return f"/app/en/advice/{audience}/"


@pytest.mark.django_db
def test_the_done_page_gives_a_teenager_the_removal_links():
    client = Client()
    start(client, category="sextortion", audience="teen")
    html = form_page(client)
    client.post(url("reports:form"), details(html))
    done = client.get(url("reports:done")).content.decode()
    assert f'href="{TAKE_IT_DOWN_URL}"' in done and f'href="{STOP_NCII_URL}"' in done


# --- meaning ---------------------------------------------------------------------------------


def test_the_albanian_texts_mean_what_they_should():
    with translation.override("sq"):
        hate = {s["category"]: s for s in category_specs(Audience.ADULT)}[Category.HATE]
        assert "dashurojnë" in hate["explanation"] and "për atë që duan" not in hate["explanation"]
        child = {s["category"]: s for s in category_specs(Audience.CHILD)}
        assert "të mbajnë sekrete" in child[Category.GROOMING]["explanation"]
        adult = {s["category"]: s for s in category_specs(Audience.ADULT)}
        assert "me qëllim abuzimin seksual" in adult[Category.GROOMING]["explanation"]
        sextortion = " ".join(advice_for(Category.SEXTORTION, Audience.CHILD))
        assert "asgjë më" not in sextortion and "asgjë tjetër" in sextortion
        offline = gettext(
            "No connection? The report waits safely on this phone and is sent by itself later."
        )
        assert "pret i sigurt" not in offline
        status = str(ReportStatus.RECEIVED.label)
        column = pgettext("date column", "Received")
        assert status != column and "Data" in column
        leave = gettext("Leave and forget this report on this device")
        assert "Mbylle raportimin" not in leave and "harroje" in leave


# --- the catalogue -----------------------------------------------------------------------------

OLD_WORDS = (
    "ASHMDF",
    "AKCESK",
    "pret i sigurt",
    "asgjë më",
    "për atë që duan",
    "Mbylle raportimin",
    "Rregullatori i komunikimeve",
)


def catalogue_texts(path: Path) -> list[str]:
    texts = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        texts.append(entry.msgstr)
        texts += list(entry.msgstr_plural.values())
    return texts


@pytest.mark.parametrize("language", ["sq", "en"])
def test_no_catalogue_text_keeps_an_old_name_or_calque(language):
    texts = catalogue_texts(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    found = [(word, text) for text in texts for word in OLD_WORDS if word in text]
    assert found == []
    assert [text for text in texts if re.search(r"\bMinistri\b", text)] == []


def test_the_institutions_carry_their_full_names_in_albanian():
    texts = "\n".join(catalogue_texts(ALBANIAN))
    for name in (
        "Agjencia Shtetërore për të Drejtat dhe Mbrojtjen e Fëmijës (ASHDMF)",
        "Autoriteti i Komunikimeve Elektronike dhe Postare (AKEP)",
        "Autoriteti Kombëtar për Sigurinë Kibernetike (AKSK)",
        "Komisioneri për të Drejtën e Informimit dhe Mbrojtjen e të Dhënave Personale",
        "Ministria",
    ):
        assert name in texts


def test_no_template_page_or_readme_uses_the_old_names():
    files = [ROOT / "README.md", *(ROOT / "isigurt").rglob("*.html")]
    files += [p for p in (ROOT / "isigurt").rglob("*.py") if "migrations" not in p.parts]
    files = [p for p in files if p.name != Path(__file__).name and "tests" not in p.parts]
    found = [
        str(p.relative_to(ROOT))
        for p in files
        if any(old in p.read_text(encoding="utf-8") for old in ("ASHMDF", "AKCESK"))
        # the organisation type's source label is in models.py (its migration carries it);
        # what people read comes from the catalogues checked above
        and p.name != "models.py"
    ]
    assert found == []


def test_the_albanian_plural_rule():
    header = polib.pofile(str(ALBANIAN)).metadata["Plural-Forms"]
    assert header.replace(" ", "") == "nplurals=2;plural=(n!=1);"


# --- plural minutes ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "one", "many"),
    [("en", "wait 1 minute and", "1 minutes"), ("sq", "prit 1 minutë", "1 minuta")],
)
def test_one_minute_is_written_in_the_singular(monkeypatch, settings, language, one, many):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr("isigurt.reports.views.retry_after_minutes", lambda seconds: 1)
    report = submitted()
    client = Client()
    for _ in range(5):
        client.post(
            url("reports:track", language), {"tracking_code": report.tracking_code, "secret": "X"}
        )
    locked = client.post(
        url("reports:track", language),
        {"tracking_code": report.tracking_code, "secret": report.secret},
    )
    assert locked.status_code == 429
    html = locked.content.decode()
    assert one in html and many not in html


@pytest.mark.django_db
def test_the_done_page_advises_an_adult_with_ju_in_albanian():
    client = Client()
    start(client, category="grooming", audience="adult")
    html = client.get(url("reports:form", "sq")).content.decode()
    client.post(url("reports:form", "sq"), details(html))
    done = client.get(url("reports:done", "sq")).content.decode()
    assert "Çfarë mund të bëni tani" in done
    assert "Raportojeni në Policinë e Shtetit" in done
    assert "Çfarë mund të bësh tani" not in done
