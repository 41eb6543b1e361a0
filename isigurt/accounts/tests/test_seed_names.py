"""The seed writes each institution's current name and renames a row kept under a former one."""

import pytest

from isigurt.accounts.models import Organisation, OrganisationType
from isigurt.accounts.services import NATIONAL_BODIES, organisations_seed

pytestmark = pytest.mark.django_db


def test_a_body_stored_under_its_former_name_is_renamed_not_duplicated():
    old = Organisation.objects.create(
        name="Agjencia Shtetërore për të Drejtat dhe Mbrojtjen e Fëmijëve",
        short_name="ASHMDF",
        kind=OrganisationType.CHILD_RIGHTS_AGENCY,
    )
    cyber = Organisation.objects.create(
        name="Autoriteti Kombëtar për Certifikimin Elektronik dhe Sigurinë Kibernetike",
        short_name="AKCESK",
        kind=OrganisationType.CYBER_SECURITY,
    )
    organisations_seed()
    count = Organisation.objects.count()
    organisations_seed()  # run again, as every `make run` does
    assert Organisation.objects.count() == count
    for kind in (OrganisationType.CHILD_RIGHTS_AGENCY, OrganisationType.CYBER_SECURITY):
        assert Organisation.objects.filter(kind=kind).count() == 1
    national = Organisation.objects.filter(name__in=[body.name for body in NATIONAL_BODIES])
    assert national.count() == len(NATIONAL_BODIES)
    old.refresh_from_db()
    cyber.refresh_from_db()
    assert old.name == "Agjencia Shtetërore për të Drejtat dhe Mbrojtjen e Fëmijës"
    assert old.short_name == "ASHDMF"
    assert cyber.name == "Autoriteti Kombëtar për Sigurinë Kibernetike"
    assert cyber.short_name == "AKSK"


def test_the_seeded_names_are_the_current_ones():
    organisations_seed()
    names = dict(Organisation.objects.values_list("short_name", "name"))
    assert names["AKEP"] == "Autoriteti i Komunikimeve Elektronike dhe Postare"
    assert names["IDP"] == (
        "Komisioneri për të Drejtën e Informimit dhe Mbrojtjen e të Dhënave Personale"
    )
    assert names["MSHMS"].startswith("Ministria ")
    assert not {"ASHMDF", "AKCESK"} & set(names)
