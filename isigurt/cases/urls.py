from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from isigurt.cases import views

app_name = "cases"
urlpatterns = [
    path(_("staff/cases/"), views.case_queue_view, name="case_queue"),
    path(_("staff/cases/mine/"), views.case_mine, name="case_mine"),
    path(
        _("staff/cases/open/report/<uuid:report_id>/"),
        views.case_open_report,
        name="case_open_report",
    ),
    path(
        _("staff/cases/open/contact/<uuid:contact_id>/"),
        views.case_open_contact,
        name="case_open_contact",
    ),
    path(_("staff/cases/<uuid:case_id>/"), views.case_detail, name="case_detail"),
    path(_("staff/cases/<uuid:case_id>/triage/"), views.case_triage, name="case_triage"),
    path(_("staff/cases/<uuid:case_id>/priority/"), views.case_priority, name="case_priority"),
    path(_("staff/cases/<uuid:case_id>/take/"), views.case_take, name="case_take"),
    path(_("staff/cases/<uuid:case_id>/assign/"), views.case_assign, name="case_assign"),
    path(_("staff/cases/<uuid:case_id>/hand-over/"), views.case_handover, name="case_handover"),
    path(_("staff/cases/<uuid:case_id>/status/"), views.case_status, name="case_status"),
    path(_("staff/cases/<uuid:case_id>/close/"), views.case_close, name="case_close"),
    path(_("staff/cases/<uuid:case_id>/reopen/"), views.case_reopen, name="case_reopen"),
    path(_("staff/cases/<uuid:case_id>/notes/"), views.case_note, name="case_note"),
    path(_("staff/cases/<uuid:case_id>/summary/"), views.case_summary, name="case_summary"),
    path(_("staff/cases/<uuid:case_id>/tasks/"), views.case_task_add, name="case_task_add"),
    path(_("staff/cases/tasks/<uuid:task_id>/done/"), views.case_task_done, name="case_task_done"),
    # Links between cases and merges (isigurt.cases.link_urls).
    path("", include("isigurt.cases.link_urls")),
]
