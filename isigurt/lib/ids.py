"""Ids as they arrive in addresses and requests."""

import uuid
from typing import Any

from django.http import Http404


def uuid_or_404(value: Any) -> uuid.UUID:
    """The id as a UUID; anything else is an unknown object (404), never an error."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None
