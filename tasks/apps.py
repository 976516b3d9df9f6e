from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Background tasks"

    def ready(self) -> None:
        """Register the email senders and plug the Celery publisher into the outbox.

        The dependency points from ``tasks`` to the domain, never back: the
        domain's outbox only knows that something publishes committed rows.
        """
        from tasks import emails, maintenance, outbox  # noqa: F401 - registration
        from users import outbox as domain_outbox

        domain_outbox.set_publisher(outbox.publish)
