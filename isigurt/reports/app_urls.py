from django.urls import path

from isigurt.reports import views

app_name = "app"
urlpatterns = [
    path("", views.app_shell, name="shell"),
]
