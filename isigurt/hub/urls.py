from django.urls import path

from isigurt.hub import views

app_name = "hub"
urlpatterns = [
    path("", views.home, name="home"),
]
