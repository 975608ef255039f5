from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from itinerant.desk.accounts.models import AuditEvent, Profile


class ProfileInline(admin.StackedInline):
    """The desk role on the user's own page: one form to create an account with its role."""

    model = Profile
    can_delete = False
    verbose_name_plural = "rôle dans le bureau"


class DeskUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "is_active", "role")

    @admin.display(description="rôle")
    def role(self, obj):
        profile = getattr(obj, "desk_profile", None)
        return profile.get_role_display() if profile else "—"


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, DeskUserAdmin)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "target")
    readonly_fields = ("at", "user", "action", "target", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
