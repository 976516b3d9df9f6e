"""Staff name search over non-ASCII names, on whatever database Django uses.

``run()`` stores each name of ``NAMES`` and asks ``search_users`` for every
term of ``TERMS``; it returns which names each term found. The PostgreSQL suite
calls it in-process; ``python -m tests.users.name_search_parity`` runs it on a
fresh SQLite database under the dev settings and prints the same JSON, so one
test can demand the same matches from both databases.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MARKER = "NAME-SEARCH-RESULT "

#: Stored names: upper and lower case beyond ASCII, decomposed accents, ß, a
#: final sigma, a ligature.
NAMES = [
    "Straße",
    "ÉMILE ZOLA",
    "émile durand",
    "Zoe\u0308 Ångström",
    "ΣΊΣΥΦΟΣ",
    "ﬁona",
    "alice",
]

#: Terms, each with the names it must find (the same on every database).
TERMS = {
    "STRASSE": ["Straße"],
    "straße": ["Straße"],
    "Émile": ["ÉMILE ZOLA", "émile durand"],
    "zoë": ["Zoe\u0308 Ångström"],
    "ÅNGSTRÖM": ["Zoe\u0308 Ångström"],
    "σίσυφος": ["ΣΊΣΥΦΟΣ"],
    "FIONA": ["ﬁona"],
    "ALICE": ["alice"],
    # Typed composed or decomposed, ë is not e.
    "zoe": [],
    "%": [],
    "_": [],
}


def run() -> dict[str, Any]:
    """Store the names, search every term; return what each found."""
    from django.db import connection

    from users.models import User
    from users.selectors import search_users

    staff = User.objects.create_user(
        email="staff@example.com", password=None, is_staff=True, name="Staff"
    )
    for i, name in enumerate(NAMES):
        User.objects.create_user(email=f"n{i}@example.com", password=None, name=name)
    found = {
        term: sorted(
            search_users(actor=staff, search=term)
            .exclude(pk=staff.pk)
            .values_list("name", flat=True)
        )
        for term in TERMS
    }
    return {"vendor": connection.vendor, "found": found}


def main() -> None:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.MFA_REQUIRED_FOR_STAFF = False
    call_command("migrate", verbosity=0, interactive=False)
    sys.stdout.write(MARKER + json.dumps(run()) + "\n")


if __name__ == "__main__":
    main()
