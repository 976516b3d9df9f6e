"""Staff name search folds case in Python: the same matches on PostgreSQL and SQLite.

``tests.users.name_search_parity`` stores names beyond ASCII (ß, accents typed
composed and decomposed, a final sigma, a ligature) and searches them; the
suite's PostgreSQL runs it in-process, a fresh SQLite database under the dev
settings in a subprocess, and both must find what ``TERMS`` says.
"""

import importlib

import pytest
from django.apps import apps

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.sqlite_run import result_on_fresh_sqlite
from tests.users import name_search_parity
from users import selectors, services
from users.meta import RequestMeta
from users.models import User
from users.search_text import fold

EXPECTED = {term: sorted(names) for term, names in name_search_parity.TERMS.items()}


@pytest.mark.django_db
def test_postgresql_finds_what_the_table_says(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    result = name_search_parity.run()
    assert result["vendor"] == "postgresql"
    assert result["found"] == EXPECTED


def test_sqlite_finds_the_same(tmp_path):
    result = result_on_fresh_sqlite(
        "tests.users.name_search_parity", name_search_parity.MARKER, tmp_path
    )
    assert result["vendor"] == "sqlite"
    assert result["found"] == EXPECTED


def _found(term: str) -> list[str]:
    staff = StaffFactory()
    return list(
        selectors.search_users(actor=staff, search=term)
        .exclude(pk=staff.pk)
        .values_list("name", flat=True)
    )


@pytest.mark.django_db
def test_a_renamed_account_is_found_by_its_new_name_only(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    user = UserFactory(name="Straße")
    services.update_profile(user=user, name="Ærøskøbing", meta=RequestMeta())
    assert _found("ærø") == ["Ærøskøbing"]
    assert _found("strasse") == []


@pytest.mark.django_db
def test_a_save_naming_only_the_name_keeps_the_search_column_in_step(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    user = UserFactory(name="old")
    user.name = "ΣΊΣΥΦΟΣ"
    user.save(update_fields=["name"])
    assert User.objects.get(pk=user.pk).name_folded == fold("ΣΊΣΥΦΟΣ")


@pytest.mark.django_db
def test_bulk_created_accounts_are_searchable(settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    User.objects.bulk_create([User(email="bulk@example.com", name="ÉLODIE")])
    assert _found("élodie") == ["ÉLODIE"]


@pytest.mark.django_db
def test_the_migration_fills_the_column_of_existing_accounts():
    user = UserFactory(name="Ångström", password=DEFAULT_PASSWORD)
    User.objects.filter(pk=user.pk).update(name_folded="")
    migration = importlib.import_module("users.migrations.0009_user_name_folded")
    migration.fill_name_folded(apps, None)
    assert User.objects.get(pk=user.pk).name_folded == "ångström"


def test_fold_is_compatibility_caseless_and_composed():
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("Zoe\u0308") == fold("ZOË") == "zoë"
    assert fold("ﬁ") == "fi"
    assert fold("ΣΊΣΥΦΟΣ") == fold("σίσυφος")
