"""Move every authenticator from django-otp's plain table into the encrypted one.

Backup codes (django-otp's static devices) were never issued by the platform: any that exist
were added through the admin, so they are removed rather than moved.
"""

from typing import Any

from django.db import migrations

_COPIED = (
    "user_id",
    "name",
    "confirmed",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)


def forwards(apps: Any, schema_editor: Any) -> None:
    plain = apps.get_model("otp_totp", "TOTPDevice")
    encrypted = apps.get_model("accounts", "StaffTOTPDevice")
    for old in plain.objects.order_by("pk").iterator():
        device = encrypted(key=old.key, **{name: getattr(old, name) for name in _COPIED})
        device.save()  # the key is encrypted on save, bound to the new row
    plain.objects.all().delete()
    apps.get_model("otp_static", "StaticDevice").objects.all().delete()


def backwards(apps: Any, schema_editor: Any) -> None:
    plain = apps.get_model("otp_totp", "TOTPDevice")
    encrypted = apps.get_model("accounts", "StaffTOTPDevice")
    for device in encrypted.objects.order_by("pk").iterator():
        plain.objects.create(key=device.key, **{name: getattr(device, name) for name in _COPIED})
    encrypted.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_second_factor_encrypted_role_requests"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
