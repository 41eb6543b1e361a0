"""Staff URLs of a child protection unit's procedure records on a referral.

No namespace of its own: the referrals app's URLs include these, so that every name lives in
the "referrals" namespace (``referrals:procedure`` and the forms it posts to).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.referrals import procedure_views as views

urlpatterns = [
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/"),
        views.procedure_page,
        name="procedure",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/worker/"),
        views.procedure_worker,
        name="procedure_worker",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/meetings/"),
        views.procedure_meeting,
        name="procedure_meeting",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/plan/"),
        views.procedure_plan,
        name="procedure_plan",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/plan/measures/"),
        views.procedure_measure_add,
        name="procedure_measure_add",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/plan/measures/<uuid:measure_id>/"),
        views.procedure_measure,
        name="procedure_measure",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/plan/reviews/"),
        views.procedure_review,
        name="procedure_review",
    ),
    path(
        _("staff/referrals/<uuid:referral_id>/procedure/hand-offs/"),
        views.procedure_handoff,
        name="procedure_handoff",
    ),
]
