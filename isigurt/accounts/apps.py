from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "isigurt.accounts"
    label = "accounts"
