"""One address, one spelling, the same answer on PostgreSQL and SQLite.

``tests.users.email_parity`` drives every look-alike and neighbour spelling of
three registered addresses through both surfaces (register, login, reset
request). The suite's PostgreSQL runs it in-process; a fresh SQLite database
under the dev settings runs it in a subprocess. Both must give the documented
answer, spelling by spelling, and store the same three canonical addresses.
"""

import pytest

from tests.sqlite_run import result_on_fresh_sqlite
from tests.users import email_parity

INVALID = {
    "rest register": [400, [["EMAIL_INVALID", "email"]]],
    "graphql register": [["EMAIL_INVALID", "email"]],
    "rest login": 400,
    "graphql login": ["EMAIL_INVALID"],
    "rest reset": [400, [["EMAIL_INVALID", "email"]]],
    "graphql reset": [["EMAIL_INVALID", "email"]],
}
SAME_ADDRESS = {
    "rest register": [400, [["EMAIL_TAKEN", "email"]]],
    "graphql register": [["EMAIL_TAKEN", "email"]],
    "rest login": 200,
    "graphql login": ["ok"],
    "rest reset": [202, []],
    "graphql reset": ["ok"],
}
#: Spellings of a registered address (same account); every other one is refused.
SAME = {
    "upper case",
    "fullwidth domain letters",
    "surrounding spaces",
    "punycode of the IDN domain",
    "upper-case IDN domain",
}


def _expected() -> dict:
    return {
        "originals": [201, 201, 201],
        "answers": {
            label: SAME_ADDRESS if label in SAME else INVALID
            for label, _ in email_parity.SPELLINGS
        },
        "stored": ["info@example.com", "name@example.com", "name@xn--bcher-kva.de"],
    }


def _without_vendor(result: dict) -> tuple[str, dict]:
    result = dict(result)
    return result.pop("vendor"), result


@pytest.mark.django_db
def test_every_spelling_gets_its_documented_answer_on_postgresql():
    result = email_parity._normalised(email_parity.run())
    vendor, result = _without_vendor(result)
    assert vendor == "postgresql"
    assert result == _expected()


def test_sqlite_gives_the_same_answers(tmp_path):
    vendor, result = _without_vendor(
        result_on_fresh_sqlite(
            "tests.users.email_parity", email_parity.MARKER, tmp_path
        )
    )
    assert vendor == "sqlite"
    assert result == _expected()
