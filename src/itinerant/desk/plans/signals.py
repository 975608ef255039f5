"""Drop the cached desk state when an import or a plan version is saved."""

from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver

from itinerant.desk.plans.models import PlanVersion, ScenarioImport


@receiver(post_save, sender=PlanVersion)
@receiver(post_save, sender=ScenarioImport)
def drop_state(**_kwargs) -> None:
    cache.delete("desk:state")
