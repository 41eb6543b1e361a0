from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.reports import views

app_name = "reports"
urlpatterns = [
    path(_("report/"), views.report_start, name="start"),
    path(_("track/"), views.track, name="track"),
]
