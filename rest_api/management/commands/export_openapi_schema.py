"""Write the REST API's Swagger 2.0 document to ``rest_api/openapi.json``.

The snapshot is committed so that a change to the API shows up in review as a
change to this file; a test fails when the code and the snapshot drift apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rest_api.docs import SNAPSHOT_PATH, SNAPSHOT_URL, render_schema


class Command(BaseCommand):
    help = "Write the REST API's Swagger 2.0 schema snapshot (rest_api/openapi.json)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=SNAPSHOT_PATH,
            help="Where to write it (default: %(default)s); '-' for stdout.",
        )
        parser.add_argument(
            "--url",
            default=SNAPSHOT_URL,
            help="Origin recorded as host and scheme (default: %(default)s).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the file differs from the generated schema.",
        )

    def handle(
        self, *args: Any, output: Path, url: str, check: bool, **options: Any
    ) -> None:
        schema = render_schema(url)
        if str(output) == "-":
            self.stdout.write(schema, ending="")
            return
        if check:
            current = output.read_text() if output.exists() else ""
            if current != schema:
                raise CommandError(
                    f"{output} is out of date; run: manage.py export_openapi_schema"
                )
            self.stdout.write(f"{output} is up to date.")
            return
        output.write_text(schema)
        self.stdout.write(f"Wrote {output}.")
