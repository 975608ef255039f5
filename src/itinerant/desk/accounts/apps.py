from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "itinerant.desk.accounts"
    label = "accounts"
    verbose_name = "Comptes et journal"
