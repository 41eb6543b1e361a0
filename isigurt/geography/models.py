from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.Model):
    """A qark: one of Albania's 12 counties (ISO 3166-2:AL)."""

    code = models.CharField(_("ISO code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A bashki: one of the 61 municipalities of the 2014 territorial reform."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="municipalities"
    )
    name = models.CharField(_("name"), max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    seat = models.CharField(_("seat"), max_length=64)
    # Former names and spellings typed without ë/ç, lower-case ASCII, separated by "|".
    aliases = models.CharField(_("aliases"), max_length=255, blank=True)

    class Meta:
        ordering = ["county__code", "name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name
