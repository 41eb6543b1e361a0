from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "isigurt.hub"
    label = "hub"
