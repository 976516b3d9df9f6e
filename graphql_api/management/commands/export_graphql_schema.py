"""Write the printed schema to graphql_api/schema.graphql (committed, reviewed)."""

from pathlib import Path

from django.core.management.base import BaseCommand

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def printed_schema() -> str:
    from graphql_api.schema import schema

    return str(schema).strip() + "\n"


class Command(BaseCommand):
    help = "Regenerate the committed GraphQL SDL (graphql_api/schema.graphql)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if it differs.")

    def handle(self, *args, check: bool = False, **options) -> None:
        sdl = printed_schema()
        if check:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != sdl:
                raise SystemExit(
                    "graphql_api/schema.graphql is out of date: make schema"
                )
            self.stdout.write("schema.graphql is up to date")
            return
        SCHEMA_FILE.write_text(sdl)
        self.stdout.write(f"wrote {SCHEMA_FILE}")
