from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class GeographyConfig(AppConfig):
    name = "isigurt.geography"
    label = "geography"
    verbose_name = _("Geography")

    def ready(self) -> None:
        from isigurt.geography.models import County, Municipality
        from isigurt.geography.selectors import reference_lookup_clear

        for model in (County, Municipality):
            post_save.connect(reference_lookup_clear, sender=model, dispatch_uid=f"geo-{model}-s")
            post_delete.connect(reference_lookup_clear, sender=model, dispatch_uid=f"geo-{model}-d")
        post_migrate.connect(reference_lookup_clear, dispatch_uid="geo-migrate")
