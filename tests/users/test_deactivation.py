"""``deactivate_user``: staff block an account; every credential of it dies."""

import pytest
from django.contrib.auth.models import AnonymousUser
from graphql_relay import to_global_id

from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from users import services
from users.errors import ErrorCode, ServiceError
from users.models import Session, User
from users.tokens import authenticate_access_token

pytestmark = pytest.mark.django_db


def _id(user) -> str:
    return to_global_id("User", user.pk)


def _error(**kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        services.deactivate_user(**kwargs)
    return excinfo.value


def test_staff_deactivate_an_account_and_its_sessions_end(user, staff, meta):
    pair = services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    services.deactivate_user(actor=staff, user_id=_id(user))
    assert not User.objects.get(pk=user.pk).is_active
    assert not Session.objects.filter(user=user, revoked_at__isnull=True).exists()
    with pytest.raises(ServiceError):
        authenticate_access_token(pair.access)
    with pytest.raises(ServiceError) as excinfo:
        services.login(email=user.email, password=DEFAULT_PASSWORD, meta=meta)
    assert excinfo.value.code == ErrorCode.ACCOUNT_INACTIVE


def test_staff_may_not_deactivate_themselves(staff):
    error = _error(actor=staff, user_id=_id(staff))
    assert (error.code, error.field) == (ErrorCode.INVALID_INPUT, "id")
    assert User.objects.get(pk=staff.pk).is_active


def test_an_unknown_account_is_not_found(staff):
    error = _error(actor=staff, user_id=to_global_id("User", 10**12))
    assert (error.code, error.field) == (ErrorCode.NOT_FOUND, "id")


def test_members_are_forbidden_even_for_their_own_account(user):
    assert _error(actor=user, user_id=_id(user)).code == ErrorCode.FORBIDDEN
    assert (
        _error(actor=user, user_id=to_global_id("User", 10**12)).code
        == ErrorCode.FORBIDDEN
    )
    assert User.objects.get(pk=user.pk).is_active


def test_an_inactive_staff_member_is_forbidden(user):
    former = StaffFactory(is_active=False)
    assert _error(actor=former, user_id=_id(user)).code == ErrorCode.FORBIDDEN


def test_deactivating_an_inactive_account_changes_nothing(staff):
    inactive = UserFactory(is_active=False)
    version = inactive.token_version
    services.deactivate_user(actor=staff, user_id=_id(inactive))
    assert User.objects.get(pk=inactive.pk).token_version == version


def test_staff_may_deactivate_another_staff_member(staff):
    colleague = StaffFactory()
    services.deactivate_user(actor=staff, user_id=_id(colleague))
    assert not User.objects.get(pk=colleague.pk).is_active


def test_members_are_forbidden_whatever_the_id_says(user):
    # The staff check comes before the id is read: a malformed id or another
    # type's id tells a non-staff caller nothing more than a real one.
    for malformed in ("not-an-id", to_global_id("Session", 1), "", "=" * 200):
        assert _error(actor=user, user_id=malformed).code == ErrorCode.FORBIDDEN


def test_anonymous_is_unauthenticated_whatever_the_id_says():
    error = _error(actor=AnonymousUser(), user_id="not-an-id")
    assert error.code == ErrorCode.UNAUTHENTICATED


def test_a_malformed_or_foreign_id_is_not_found_for_staff(staff):
    for malformed in ("not-an-id", to_global_id("Session", staff.pk), "=" * 200):
        error = _error(actor=staff, user_id=malformed)
        assert (error.code, error.field) == (ErrorCode.NOT_FOUND, "id")
