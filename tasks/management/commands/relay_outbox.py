"""Publish due outbox messages without beat: for cron-only deployments.

    # crontab: every minute
    * * * * *  cd /app && python manage.py relay_outbox

``--loop SECONDS`` keeps relaying at that interval (a sidecar instead of cron);
``--retry-failed`` first puts failed messages back in the queue.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from tasks.outbox import publish
from users import outbox


class Command(BaseCommand):
    help = "Publish pending outbox messages that are due (the relay, without beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Run forever, relaying every SECONDS.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Put failed messages back in the queue before relaying.",
        )

    def handle(self, *args, **options) -> None:
        if options["retry_failed"]:
            count = outbox.retry_failed()
            self.stdout.write(f"Requeued {count} failed message(s).")
        while True:
            result = outbox.relay(publish)
            backlog = outbox.backlog()
            self.stdout.write(
                f"Published {result.published} message(s); "
                f"{backlog.pending} pending"
                + (" (broker unreachable, will retry)" if result.interrupted else "")
            )
            if not options["loop"]:
                if result.interrupted:
                    raise SystemExit(1)
                return
            time.sleep(options["loop"])
