"""Model fields whose values are encrypted at rest, one value at a time (safety rule 2, S9).

    class Reporter(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
        name = EncryptedTextField(_("name"), blank=True)
        handles = EncryptedJSONField(_("usernames"), default=list, blank=True)

- The database holds only tokens (``isigurt.lib.crypto``) bound to (table, primary key, field):
  a token copied to another row or field does not decrypt there.
- The model's primary key must be a ``UUIDField`` with ``default=uuid.uuid4``, so that the row's
  key is known before the INSERT (a system check enforces this).
- Values decrypt lazily on attribute access and are cached on the instance. Querysets'
  ``values()``/``values_list()`` give ``Sealed`` markers, not plaintext.
- These fields cannot be filtered, ordered or indexed on (only ``isnull`` works); keep a separate
  non-sensitive column (a hash, a flag) if a query needs one.
- ``QuerySet.update()`` and ``bulk_update()`` with plaintext are refused: save through the model.
- An empty string is stored as "" (nothing to hide); ``None`` as NULL when ``null=True``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init

from isigurt.lib.crypto import decrypt_text, encrypt_text, field_aad


class EncryptedFieldError(ValueError):
    """A plaintext value reached the database without passing through Model.save()."""


class Sealed:
    """A value as it came from (or goes to) the database: a token, opened on demand.

    Its repr and str never show the value or the token.
    """

    __slots__ = ("_aad", "_text", "_value", "token")

    def __init__(self, token: str, *, aad: str | None = None, text: str | None = None) -> None:
        self.token = token
        self._aad = aad
        self._text = text
        self._value: Any = None

    def __repr__(self) -> str:
        return "<encrypted>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Sealed, (self.token,))  # a pickled instance never carries the plaintext

    __str__ = __repr__


class EncryptedAttribute(DeferredAttribute):
    """Keeps what the database gave (a Sealed token) and decrypts it on first read."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            return self.field.open_sealed(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A TextField stored encrypted. See the module docstring for the rules."""

    descriptor_class = EncryptedAttribute
    description = "Text encrypted at rest"

    # --- what a value looks like before encryption -------------------------------------
    def _serialise(self, value: Any) -> str:
        return str(value)

    def _deserialise(self, text: str) -> Any:
        return text

    def _stored_plain(self, value: Any) -> bool:
        """Values stored as they are: NULL and the empty string."""
        return value is None or value == ""

    # --- binding to the row ------------------------------------------------------------
    def aad_for(self, instance: models.Model) -> str:
        return field_aad(table=self.model._meta.db_table, pk=instance.pk, field=self.attname)

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            post_init.connect(self._bind_loaded_value, sender=cls, weak=False)

    def _bind_loaded_value(self, instance: models.Model, **kwargs: Any) -> None:
        """Remember which row a token was loaded from, so a copy of the row can re-encrypt it."""
        current = instance.__dict__.get(self.attname)
        if isinstance(current, Sealed) and current._aad is None:
            current._aad = self.aad_for(instance)

    def open_sealed(self, instance: models.Model, sealed: Sealed) -> Any:
        """The plaintext of a token; DecryptionError if it belongs to another row or field.

        A token opens only under the row it was loaded from. Once opened, the plaintext is
        cached on the marker (never pickled, never shown).
        """
        if sealed._text is None:
            aad = sealed._aad or self.aad_for(instance)
            text = decrypt_text(sealed.token, aad=aad)
            sealed._aad, sealed._text, sealed._value = aad, text, self._deserialise(text)
        return sealed._value

    # --- database round trip -----------------------------------------------------------
    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.attname in model_instance.__dict__:
            current = model_instance.__dict__[self.attname]
        else:
            current = getattr(model_instance, self.attname)
        aad = self.aad_for(model_instance)
        if isinstance(current, Sealed):
            value = self.open_sealed(model_instance, current)  # also proves it belongs here
            if current._aad == aad and self._serialise(value) == current._text:
                return current  # unchanged, same row: keep the token as it is
        else:
            value = current
        if self._stored_plain(value):
            return value
        text = self._serialise(value)
        sealed = Sealed(encrypt_text(text, aad=aad), aad=aad, text=text)
        sealed._value = value
        model_instance.__dict__[self.attname] = sealed
        return sealed

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if isinstance(value, Sealed):
            return value.token
        if value is None or value == "":
            return value
        raise EncryptedFieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: save it through the model "
            "(Model.save() or bulk_create()), not update() or bulk_update()."
        )

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # Django then raises FieldError: encrypted values cannot be searched

    def get_transform(self, lookup_name: str) -> Any:
        return None

    def value_to_string(self, obj: models.Model) -> str:
        """Serialisers (dumpdata) get the token, never the plaintext."""
        current = obj.__dict__.get(self.attname)
        if isinstance(current, Sealed):
            return current.token
        value = getattr(obj, self.attname)
        if self._stored_plain(value):
            return "" if value is None else str(value)
        return encrypt_text(self._serialise(value), aad=self.aad_for(obj))

    # --- checks ------------------------------------------------------------------------
    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        errors.extend(self._check_primary_key())
        if self.unique or getattr(self, "db_index", False) or self.primary_key:
            errors.append(
                checks.Error(
                    "An encrypted field cannot be unique, indexed or a primary key.",
                    hint="Each encryption uses a new nonce; store a separate keyed hash instead.",
                    obj=self,
                    id="lib.E002",
                )
            )
        return errors

    def _check_primary_key(self) -> list[checks.CheckMessage]:
        pk = self.model._meta.pk
        if isinstance(pk, models.OneToOneField) and pk.remote_field.parent_link:
            pk = pk.target_field  # multi-table inheritance: the parent's key
        default: Callable[[], Any] | None = getattr(pk, "default", None)
        if not isinstance(pk, models.UUIDField) or default is not uuid.uuid4:
            return [
                checks.Error(
                    "A model with encrypted fields needs "
                    "id = models.UUIDField(primary_key=True, default=uuid.uuid4).",
                    hint="The row's key is bound into each ciphertext and must exist before "
                    "the INSERT.",
                    obj=self,
                    id="lib.E001",
                )
            ]
        return []


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (list, dict, string, number) stored encrypted as one token.

    Only ``None`` is stored unencrypted (as NULL, with ``null=True``). A mutated list or dict is
    noticed on save.
    """

    description = "JSON encrypted at rest"

    def _serialise(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def _deserialise(self, text: str) -> Any:
        return json.loads(text)

    def _stored_plain(self, value: Any) -> bool:
        return value is None

    def to_python(self, value: Any) -> Any:
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return super(models.TextField, self).formfield(**{"form_class": forms.JSONField, **kwargs})
