"""Create the demo account that `make run` advertises, once."""

from django.core.management.base import BaseCommand

from users.models import User

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - a documented local-only account


class Command(BaseCommand):
    help = "Create a verified demo user (and staff) if no user exists yet."

    def handle(self, *args, **options) -> None:
        if User.objects.exists():
            self.stdout.write("Users exist already; no demo user created.")
            return
        User.objects.create_user(
            DEMO_EMAIL,
            DEMO_PASSWORD,
            name="Demo User",
            email_verified=True,
            is_staff=True,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo user: {DEMO_EMAIL} / {DEMO_PASSWORD} (staff)")
        )
