from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "isigurt.reports"
    label = "reports"
