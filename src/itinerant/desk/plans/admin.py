from django.contrib import admin

from itinerant.desk.plans.models import Job, PlanVersion, ScenarioImport


@admin.register(ScenarioImport)
class ScenarioImportAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "created_by", "title", "valid")
    readonly_fields = ("created_at", "created_by", "title", "valid", "faults", "summary")


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "scenario", "created_at", "created_by", "kind", "decision")
    exclude = ("doc", "state")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "progress", "created_at", "created_by")
