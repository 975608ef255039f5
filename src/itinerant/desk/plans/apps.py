from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "itinerant.desk.plans"
    label = "plans"
    verbose_name = "Scénarios et plans"

    def ready(self) -> None:
        from itinerant.desk.plans import signals  # noqa: F401 - registers the receivers
