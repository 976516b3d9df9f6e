"""The token in an emailed link, as a frontend would read it from the URL."""

import re

from django.core import mail

_TOKEN = re.compile(r"token=([^\s&\"<>]+)")


def link_token(text: str) -> str:
    """Return the ``token`` query parameter of the first link in ``text``."""
    found = _TOKEN.search(text)
    assert found, "no link with a token in the email"
    return found.group(1)


def token_from_last_mail() -> str:
    """The token of the link in the last email the test's mail backend kept."""
    return link_token(mail.outbox[-1].body)
