from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from isigurt.referrals import views

app_name = "referrals"
urlpatterns = [
    path(_("staff/referrals/"), views.inbox, name="inbox"),
    path(_("staff/referrals/<uuid:referral_id>/"), views.detail, name="detail"),
    path(
        _("staff/referrals/<uuid:referral_id>/acknowledge/"),
        views.acknowledge,
        name="acknowledge",
    ),
    path(_("staff/referrals/<uuid:referral_id>/officer/"), views.officer, name="officer"),
    path(_("staff/referrals/<uuid:referral_id>/update/"), views.update, name="update"),
    path(_("staff/referrals/<uuid:referral_id>/outcome/"), views.outcome, name="outcome"),
    path(_("staff/referrals/<uuid:referral_id>/withdraw/"), views.withdraw, name="withdraw"),
    path(_("staff/referrals/<uuid:referral_id>/question/"), views.question, name="question"),
    path(_("staff/referrals/case/<uuid:case_id>/"), views.case_referrals, name="case"),
    # The child protection unit's procedure records on a referral.
    path("", include("isigurt.referrals.procedure_urls")),
]
