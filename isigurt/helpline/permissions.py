"""Who may see and change the helpline's contacts and their call-backs: the only place deciding it.

    contacts_visible_to(user)             the contacts the viewer may see, as a queryset
    access_contact(user, id, write=...)   one contact: Http404 when the viewer may not see it (or
                                          it does not exist: the two look the same),
                                          PermissionDenied (403) when visible but read-only
    access_contact_log(user)              may the viewer log a new contact (404 / 403 likewise)

Roles become abilities in isigurt.accounts.permissions (HELPLINE_CONTACTS). A contact belongs
to the organisation whose operator logged it: the helpline's operators and supervisors see
every contact of their own helpline, not only their own. A child who calls again rarely
reaches the same operator, and the next operator needs what the last one heard (continuity);
the "my contacts" filter narrows the list. Nobody outside the helpline sees a contact: cases,
not contacts, will be referred to institutions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from isigurt.accounts import permissions as roles
from isigurt.helpline.models import Contact
from isigurt.lib.ids import uuid_or_404


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """Every contact the user may see (unordered; selectors order and paginate)."""
    if not roles.can_read_helpline_contacts(user) or user.organisation_id is None:
        return Contact.objects.none()
    return Contact.objects.filter(organisation_id=user.organisation_id)


def can_list_contacts(user: Any) -> bool:
    """Whether the user has a list of contacts at all (the staff page, its link, the API)."""
    return roles.can_read_helpline_contacts(user) and user.organisation_id is not None


def contact_changeable_by(user: Any, contact: Contact) -> bool:
    """Whether the user may change the contact (correct it, record a call-back)."""
    return (
        roles.can_change_helpline_contacts(user) and contact.organisation_id == user.organisation_id
    )


def access_contact_log(user: Any) -> None:
    """Raises unless the user may log a new contact: 404 for those who see no contact, 403 for
    those who see them read-only."""
    if not can_list_contacts(user):
        raise Http404
    if not roles.can_change_helpline_contacts(user):
        raise PermissionDenied


def access_contact(user: Any, contact_id: Any, *, write: bool = False) -> Contact:
    """The contact, if the user may see it (and change it, with ``write``).

    Raises Http404 if it does not exist or is not the user's to see, PermissionDenied if it is
    visible but read-only for the user.
    """
    contact = (
        contacts_visible_to(user)
        .select_related("operator", "county", "municipality", "report")
        .filter(pk=uuid_or_404(contact_id))
        .first()
    )
    if contact is None:
        raise Http404
    if write and not contact_changeable_by(user, contact):
        raise PermissionDenied
    return contact
