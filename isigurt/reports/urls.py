from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.reports import staff_views, views

app_name = "reports"
urlpatterns = [
    path(_("report/"), views.report_start, name="start"),
    path(_("report/details/"), views.report_form, name="form"),
    path(_("report/sent/"), views.report_done, name="done"),
    path(_("track/"), views.track, name="track"),
    path(_("track/message/"), views.track_message, name="track_message"),
    path(_("track/information/"), views.track_information, name="track_information"),
    path(_("track/evidence/"), views.track_evidence, name="track_evidence"),
    path(_("track/close/"), views.track_leave, name="track_leave"),
    path(_("exit/"), views.quick_exit, name="quick_exit"),
    path(_("staff/reports/"), staff_views.staff_list, name="staff_list"),
    path(_("staff/reports/danger-now/"), staff_views.staff_danger_count, name="staff_danger_count"),
    path(_("staff/reports/<uuid:report_id>/"), staff_views.staff_detail, name="staff_detail"),
    path(
        _("staff/reports/<uuid:report_id>/status/"),
        staff_views.staff_status,
        name="staff_status",
    ),
    path(_("staff/reports/<uuid:report_id>/reply/"), staff_views.staff_reply, name="staff_reply"),
    path(
        _("staff/reports/<uuid:report_id>/acknowledge/"),
        staff_views.staff_acknowledge,
        name="staff_acknowledge",
    ),
    path(
        _("staff/reports/<uuid:report_id>/call-back/"),
        staff_views.staff_callback,
        name="staff_callback",
    ),
    path(
        _("staff/evidence/<uuid:evidence_id>/"),
        staff_views.evidence_download,
        name="evidence_download",
    ),
]
