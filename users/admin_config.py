"""``django.contrib.admin`` with the second-factor site as ``admin.site``."""

from django.contrib.admin.apps import AdminConfig


class AccountsAdminConfig(AdminConfig):
    """The admin app, its default site being ``users.admin_site.AccountsAdminSite``."""

    default_site = "users.admin_site.AccountsAdminSite"
