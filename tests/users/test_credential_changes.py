"""Any change of the password hash or of is_active kills the account's tokens.

Not only through the services: the Django admin's own forms, ``manage.py
changepassword`` and a plain ``set_password()`` + ``save()`` all end in
``User.save()``, which is where the rule lives.
"""

import io

import pytest
from django.core.management import call_command

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.graphql.client import login
from users import services
from users.errors import ServiceError
from users.models import Session, User
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db

NEW = "a-completely-new-passphrase"


def _dead(pair) -> bool:
    try:
        authenticate_access_token(pair.access)
    except ServiceError:
        return True
    return False


def _refresh_dead(pair, meta) -> bool:
    try:
        services.refresh(refresh_token=pair.refresh, meta=meta)
    except ServiceError:
        return True
    return False


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": admin.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302, response.content
    return client


def test_set_password_and_save_anywhere_kills_every_token(user, meta):
    pair = login(user)
    user = User.objects.get(pk=user.pk)
    user.set_password(NEW)
    user.save()
    assert _dead(pair)
    assert _refresh_dead(pair, meta)


def test_saving_only_the_password_field_kills_every_token(user):
    pair = login(user)
    user.set_password(NEW)
    user.save(update_fields=["password"])
    assert _dead(pair)


def test_saving_other_fields_keeps_the_tokens(user):
    pair = login(user)
    user.name = "Renamed"
    user.save()
    user.set_password(NEW)  # changed in memory, but not written:
    user.save(update_fields=["name"])
    assert not _dead(pair)


def test_the_admins_password_form_kills_every_token(admin_client, user, meta):
    pair = login(user)
    response = admin_client.post(
        f"/admin/users/user/{user.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert _dead(pair)
    assert _refresh_dead(pair, meta)


def test_manage_py_changepassword_kills_every_token(user, monkeypatch):
    pair = login(user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", user.email, stdout=io.StringIO())
    assert _dead(pair)


def test_deactivating_then_reactivating_does_not_revive_old_sessions(user, meta):
    pair = login(user)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert _dead(pair)
    assert _refresh_dead(pair, meta)
    assert not Session.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_deactivating_in_the_admin_change_form_kills_every_token(admin_client, user):
    pair = login(user)
    page = admin_client.get(f"/admin/users/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"groups", "user_permissions", "avatar"}
    }
    data.update(is_active="", date_joined_0="2026-01-01", date_joined_1="00:00:00")
    data.pop("is_active")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(f"/admin/users/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=user.pk).is_active
    assert _dead(pair)


def test_a_user_loaded_with_a_deferred_password_is_not_seen_as_changed(user):
    pair = login(user)
    partial = User.objects.only("id", "name").get(pk=user.pk)
    partial.name = "Partial"
    partial.save()
    assert not _dead(pair)


def test_a_password_set_earlier_but_saved_later_still_kills_the_tokens(user):
    pair = login(user)
    user.set_password(NEW)
    user.save(update_fields=["name"])
    user.save()
    assert _dead(pair)
