from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from users.models import SecurityEvent, Session, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["-date_joined"]
    list_display = [
        "email",
        "name",
        "email_verified",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_active", "is_staff", "email_verified"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login", "token_version"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "bio", "location", "avatar"]}),
        ("Verification", {"fields": ["email_verified", "pending_email"]}),
        (
            "Permissions",
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined", "token_version"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "created_at",
        "last_used_at",
        "ip_address",
        "revoked_at",
    ]
    list_select_related = ["user"]
    search_fields = ["user__email", "ip_address"]
    readonly_fields = [f.name for f in Session._meta.fields]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the activity is written by the services, never by hand."""

    list_display = ["created_at", "kind", "user", "ip_address", "session_id"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__email", "ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
