from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"
