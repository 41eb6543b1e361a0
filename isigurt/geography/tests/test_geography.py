import pytest
from django.test import Client

from isigurt.geography.models import County, Municipality
from isigurt.geography.selectors import municipality_find
from isigurt.geography.services import geography_load

pytestmark = pytest.mark.django_db


def test_albania_has_12_counties_and_61_municipalities() -> None:
    assert County.objects.count() == 12
    assert Municipality.objects.count() == 61
    assert sorted(County.objects.values_list("code", flat=True)) == [
        f"AL-{n:02d}" for n in range(1, 13)
    ]


def test_every_county_has_municipalities() -> None:
    for county in County.objects.all():
        assert county.municipalities.exists(), county.name


def test_loading_again_changes_nothing() -> None:
    before = list(Municipality.objects.values_list("id", "name", "county_id"))
    summary = geography_load()
    assert (summary.counties, summary.municipalities) == (12, 61)
    assert list(Municipality.objects.values_list("id", "name", "county_id")) == before


def test_a_municipality_is_found_without_albanian_letters() -> None:
    found = municipality_find(name="kucove")
    assert found is not None
    assert found.name == "Kuçovë"


def test_a_former_name_finds_the_municipality() -> None:
    found = municipality_find(name="Ura Vajgurore")
    assert found is not None
    assert found.name == "Dimal"


def test_an_unknown_name_finds_nothing() -> None:
    assert municipality_find(name="Atlantis") is None
    assert municipality_find(name="  ") is None


def test_the_api_returns_counties_with_their_municipalities(client: Client) -> None:
    response = client.get("/api/v1/geography")
    assert response.status_code == 200
    body = response.json()
    assert len(body["counties"]) == 12
    assert sum(len(c["municipalities"]) for c in body["counties"]) == 61
    tirana = next(c for c in body["counties"] if c["code"] == "AL-11")
    assert "Kamëz" in {m["name"] for m in tirana["municipalities"]}
    assert body["outside_albania"] == "outside"


def test_the_api_refuses_writes(client: Client) -> None:
    assert client.post("/api/v1/geography").status_code == 405


def test_the_in_memory_lookup_follows_a_renamed_county() -> None:
    from isigurt.geography.selectors import county_by_code, municipality_by_slug

    assert county_by_code("AL-11").name == "Tiranë"
    county = County.objects.get(code="AL-11")
    county.name = "Tirana (renamed)"
    county.save()
    assert county_by_code("AL-11").name == "Tirana (renamed)"
    assert municipality_by_slug("kamez").county.code == "AL-11"
    assert county_by_code("AL-99") is None
