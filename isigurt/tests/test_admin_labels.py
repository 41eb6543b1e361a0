"""Every column and filter label of the platform's models in the administration site is
translated. (django-otp's device admin derives its labels from field names, untranslatable.)"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils import translation

# Labels that read the same in both languages.
SAME_IN_BOTH = {"SHA-256", "ID", "PDQ"}


def _labels() -> list[tuple[str, str, str, str]]:
    rows = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("isigurt."):
            continue
        names = [*model_admin.list_display, *model_admin.readonly_fields]
        names += [name for name in model_admin.list_filter if isinstance(name, str)]
        for name in names:
            if name.startswith("__"):
                continue
            field = name.split("__")[0]
            with translation.override("en"):
                english = str(label_for_field(field, model, model_admin))
            with translation.override("sq"):
                albanian = str(label_for_field(field, model, model_admin))
            rows.append((model.__name__, name, english, albanian))
    return rows


@pytest.mark.django_db
def test_every_admin_column_label_is_translated():
    untranslated = [row for row in _labels() if row[2] == row[3] and row[2] not in SAME_IN_BOTH]
    assert untranslated == []
