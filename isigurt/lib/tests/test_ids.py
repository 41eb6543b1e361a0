import uuid

import pytest
from django.http import Http404

from isigurt.lib.ids import uuid_or_404


def test_a_uuid_or_its_text_is_the_id() -> None:
    value = uuid.uuid4()
    assert uuid_or_404(value) is value
    assert uuid_or_404(str(value)) == value


@pytest.mark.parametrize("value", ["not-an-id", "", None, 42])
def test_anything_else_is_an_unknown_object(value: object) -> None:
    with pytest.raises(Http404):
        uuid_or_404(value)
