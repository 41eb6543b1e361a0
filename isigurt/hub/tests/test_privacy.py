"""The privacy notice: one for children ("ti"), one for adults ("ju"), linked from every form."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from isigurt.outbox.services import HANDLED_RETENTION
from isigurt.reports.services import IDEMPOTENCY_TTL_HOURS
from isigurt.reports.tests.test_views import details, form_page, start

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name)


def test_the_adult_notice_says_what_is_kept_why_how_long_who_sees_it_and_the_rights(client):
    response = client.get(url("hub:privacy"))
    html = response.content.decode()
    assert response.status_code == 200 and len(response.content) < 100_000
    assert "Law No. 124/2024" in html
    assert f"deleted after {IDEMPOTENCY_TTL_HOURS} hours" in html
    assert f"deleted {HANDLED_RETENTION.days} days after the work is done" in html
    assert "case records" in html and "are kept as the helpline" in html
    assert "Still to be decided: how long case records are kept" in html
    assert "sees only what the helpline refers to it" in html
    for right in ("to see what we keep", "corrected", "deleted"):
        assert right in html
    assert "Commissioner for the Right to Information and Personal Data Protection" in html
    assert 'id="quick-exit"' in html and 'href="tel:116111"' in html
    assert "<script" not in html.split('<main id="main"')[1].split("</main>")[0]


def test_the_albanian_notices_address_children_with_ti_and_adults_with_ju(client):
    adult = client.get(url("hub:privacy", "sq")).content.decode()
    child = client.get(url("hub:privacy_children", "sq")).content.decode()
    assert url("hub:privacy", "sq") == "/privatesia/"
    assert "Njoftimi i privatësisë" in adult and "24 orësh" in adult and "7 ditë" in adult
    assert "të drejtat tuaja" in adult and "Keni të drejtë" in adult
    assert not re.search(r"\b(yt|tënd|tënde|të lutem)\b", adult.split("<main")[1])
    assert "Të drejtat e tua" in child and "Mund të kërkosh" in child
    assert not re.search(r"\b(juaj|tuaj|tuaja|ju lutemi)\b", child.split("<main")[1])
    assert "Komisioneri" in child and "Komisioneri për të Drejtën e Informimit" in adult
    assert len(child) < len(adult)


def test_every_public_form_links_the_notice():
    client = Client()
    pages = {
        "who is telling us": client.get(url("reports:start")),
        "step 1, child": client.get(url("reports:start"), {"audience": "child"}),
        "tracking": client.get(url("reports:track")),
        "app": client.get("/app/en/"),
    }
    for name, response in pages.items():
        assert url("hub:privacy_children") in response.content.decode(), name
    adult = client.get(url("reports:start"), {"audience": "adult"}).content.decode()
    assert f'href="{url("hub:privacy")}"' in adult
    start(client, audience="teen")
    step2 = form_page(client)
    assert f'href="{url("hub:privacy_children")}"' in step2
    client.post(url("reports:form"), details(step2))
    done = client.get(url("reports:done")).content.decode()
    assert f'href="{url("hub:privacy_children")}"' in done
    sq_app = client.get("/app/").content.decode()
    assert 'href="/privatesia/femijet/"' in sq_app
