import threading

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.db import IntegrityError, connection, transaction

from users.email_address import InvalidEmailAddress
from users.models import User, normalize_email

pytestmark = pytest.mark.django_db


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_email_uniqueness_ignores_case_at_the_database_level():
    User.objects.create_user("Alice@Example.com", "x" * 12)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="alice@example.COM")])
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_differing_in_case_leave_exactly_one_row():
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(email: str) -> None:
        try:
            barrier.wait(timeout=5)
            User.objects.create_user(email, "long-enough-password")
            outcomes.append("created")
        except IntegrityError:
            outcomes.append("integrity-error")
        finally:
            from django.db import connections

            connections.close_all()

    threads = [
        threading.Thread(target=create, args=(email,)) for email in ("A@x.io", "a@x.io")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "integrity-error"]
    assert User.objects.by_email("a@X.IO").count() == 1


def test_create_user_normalises_email_and_hashes_with_argon2():
    user = User.objects.create_user("  bob@EXAMPLE.org ", "long-enough-password")
    assert user.email == "bob@example.org"
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("long-enough-password")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active


def test_create_user_without_password_gets_an_unusable_one():
    user = User.objects.create_user("nopass@example.org")
    assert not user.has_usable_password()


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", "long-enough-password")


def test_create_superuser_sets_privileges():
    admin = User.objects.create_superuser("root@example.org", "long-enough-password")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.email_verified


def test_create_superuser_refuses_to_be_unprivileged():
    with pytest.raises(ValueError, match="superuser"):
        User.objects.create_superuser("x@example.org", "pw-long-enough", is_staff=False)


def test_natural_key_lookup_ignores_case():
    user = User.objects.create_user("carol@example.org", "long-enough-password")
    assert User.objects.get_by_natural_key("CAROL@example.ORG") == user


def test_email_lookup_uses_an_index_of_the_canonical_column():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        # Without the model's ORDER BY id, which on a tiny table lets the planner
        # prefer walking the primary key (a flaky plan, not a missing index).
        lookup = User.objects.by_email("X@y.io").order_by()
        sql, params = lookup.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The stored spelling is canonical: a plain equality on the column, no lower().
    assert "Index Scan using users_user_email_" in plan
    assert "(email)::text = 'x@y.io'::text" in plan


def test_old_pbkdf2_hashes_still_verify_and_are_upgraded():
    from django.contrib.auth.hashers import make_password

    user = User.objects.create_user("legacy@example.org")
    user.password = make_password("legacy-password-1", hasher="pbkdf2_sha256")
    user.save()
    assert user.check_password("legacy-password-1")
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_normalize_email_trims_spaces_and_lowercases_the_whole_address():
    assert normalize_email(" Mixed.Case@Example.COM ") == "mixed.case@example.com"


@pytest.mark.parametrize("raw", ["no-at-sign", "a@b@Example.com"])
def test_normalize_email_refuses_what_is_no_address(raw):
    with pytest.raises(InvalidEmailAddress):
        normalize_email(raw)
