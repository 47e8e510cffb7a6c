from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "salestrack.accounts"
    label = "accounts"
