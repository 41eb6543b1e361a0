from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.hub import views

app_name = "hub"
urlpatterns = [
    path("", views.home, name="home"),
    path(_("privacy/"), views.privacy, name="privacy"),
    path(_("privacy/children/"), views.privacy_children, name="privacy_children"),
]
