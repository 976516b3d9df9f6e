"""One folding of text for searches, decided in Python so every database agrees.

``icontains`` leaves case folding to the database: SQLite's ``LIKE`` folds ASCII
letters only, PostgreSQL's ``UPPER()`` follows the cluster's locale (nothing
beyond ASCII under ``C``), and neither maps ``ß`` to ``ss``, a final sigma to
a sigma or a ligature to its letters. A column holding the folded text,
compared with the folded search term by a plain, case-sensitive ``contains``,
matches the same rows on both.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Return the compatibility caseless form of ``text``, composed.

    Unicode's compatibility caseless matching (D146: NFKD of a casefold of the
    NFKD of a casefold of the NFD), recomposed with NFKC so that a search for
    ``é`` matches ``é`` however either was typed, and ``e`` does not match it.
    """
    once = unicodedata.normalize("NFKD", unicodedata.normalize("NFD", text).casefold())
    return unicodedata.normalize("NFKC", once.casefold())
