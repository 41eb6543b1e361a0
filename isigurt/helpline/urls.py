from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.helpline import views

app_name = "helpline"
urlpatterns = [
    path(_("staff/contacts/"), views.contact_list, name="contact_list"),
    path(_("staff/contacts/new/"), views.contact_new, name="contact_new"),
    path(_("staff/contacts/<uuid:contact_id>/"), views.contact_detail, name="contact_detail"),
    path(_("staff/contacts/<uuid:contact_id>/edit/"), views.contact_edit, name="contact_edit"),
    path(
        _("staff/contacts/<uuid:contact_id>/call-back/"),
        views.contact_callback,
        name="contact_callback",
    ),
]
