from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "amtsweg.accounts"
    label = "accounts"
    verbose_name = "Nutzerkonten"
