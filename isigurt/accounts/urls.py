from django.urls import path
from django.utils.translation import gettext_lazy as _

from isigurt.accounts import views

app_name = "accounts"
urlpatterns = [
    path(_("staff/login/"), views.login_view, name="login"),
    path(_("staff/verify/"), views.verify_view, name="verify"),
    path(_("staff/enrol/"), views.enrol_view, name="enrol"),
    path(_("staff/logout/"), views.logout_view, name="logout"),
    path(_("staff/"), views.staff_home, name="home"),
]
