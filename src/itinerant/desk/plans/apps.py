from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "itinerant.desk.plans"
    label = "plans"
    verbose_name = "Scénarios et plans"
