import threading

import pytest
from django.core import mail
from django.db import connections

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.links import link_token, token_from_last_mail
from users import services
from users.errors import ErrorCode, ServiceError
from users.meta import RequestMeta
from users.models import User

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"


def _codes(excinfo) -> list[tuple[str, str | None]]:
    return [(str(e.code), e.field) for e in excinfo.value.errors]


def test_register_creates_an_unverified_account_and_sends_a_verification_email(
    meta, committed
):
    with committed():
        user = services.register(
            email="New@Example.COM", password=STRONG, name="New", meta=meta
        )
    assert user.email == "new@example.com"  # the canonical spelling is lower-case
    assert not user.email_verified
    assert user.check_password(STRONG)
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_register_refuses_an_email_taken_in_another_case(meta):
    UserFactory(email="taken@example.com")
    with pytest.raises(ServiceError) as excinfo:
        services.register(email="TAKEN@example.com", password=STRONG, meta=meta)
    assert _codes(excinfo) == [("EMAIL_TAKEN", "email")]


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("", "REQUIRED"),
        ("   ", "REQUIRED"),
        (None, "REQUIRED"),
        ("not-an-email", "EMAIL_INVALID"),
        ("a@b", "EMAIL_INVALID"),
        ("x" * 250 + "@example.com", "EMAIL_INVALID"),
    ],
)
def test_register_rejects_bad_emails(meta, email, code):
    with pytest.raises(ServiceError) as excinfo:
        services.register(email=email, password=STRONG, meta=meta)
    assert _codes(excinfo) == [(code, "email")]


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("short1", {"PASSWORD_TOO_SHORT"}),
        ("password123", {"PASSWORD_TOO_COMMON"}),
        ("98765432101234", {"PASSWORD_ENTIRELY_NUMERIC"}),
        ("x" * 129, {"PASSWORD_TOO_LONG"}),
        ("", {"REQUIRED"}),
    ],
)
def test_register_reports_password_rule_violations_with_their_codes(
    meta, password, codes
):
    with pytest.raises(ServiceError) as excinfo:
        services.register(email="p@example.com", password=password, meta=meta)
    assert {code for code, _ in _codes(excinfo)} >= codes
    assert {field for _, field in _codes(excinfo)} == {"password"}
    assert not User.objects.exists()


def test_register_rejects_a_password_too_similar_to_the_email(meta):
    with pytest.raises(ServiceError) as excinfo:
        services.register(
            email="jonathan.smithers@example.com",
            password="jonathan.smithers",
            meta=meta,
        )
    assert ("PASSWORD_TOO_SIMILAR", "password") in _codes(excinfo)


def test_register_normalises_unicode_passwords_so_any_keyboard_can_log_in(meta):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "correct-horse-77")
    services.register(email="uni@example.com", password=fullwidth, meta=meta)
    pair = services.login(
        email="uni@example.com", password="correct-horse-77", meta=meta
    )
    assert pair.session.user.email == "uni@example.com"


def test_register_rejects_an_overlong_name(meta):
    with pytest.raises(ServiceError) as excinfo:
        services.register(
            email="n@example.com", password=STRONG, name="n" * 151, meta=meta
        )
    assert _codes(excinfo) == [("INVALID_INPUT", "name")]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_registrations_of_one_email_make_one_account():
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(email: str) -> None:
        try:
            barrier.wait(timeout=5)
            services.register(
                email=email, password=STRONG, meta=RequestMeta(ip_address="127.0.0.1")
            )
            outcomes.append("created")
        except ServiceError as exc:
            outcomes.append(str(exc.code))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=register, args=(e,))
        for e in ("race@example.com", "RACE@example.com")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["EMAIL_TAKEN", "created"]
    assert User.objects.by_email("race@example.com").count() == 1


def test_update_profile_changes_only_the_given_fields(user, meta):
    user.bio = "old bio"
    user.save()
    services.update_profile(user=user, meta=meta, name="  Ada  ", location="London")
    user.refresh_from_db()
    assert (user.name, user.location, user.bio) == ("Ada", "London", "old bio")


def test_update_profile_reports_every_overlong_field(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(
            user=user, meta=meta, bio="b" * 2001, location="l" * 121
        )
    assert sorted(_codes(excinfo)) == [
        ("INVALID_INPUT", "bio"),
        ("INVALID_INPUT", "location"),
    ]


def test_update_profile_rejects_non_text_values(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(user=user, meta=meta, name=["list"])
    assert _codes(excinfo) == [("INVALID_INPUT", "name")]


def test_an_email_change_waits_for_verification_and_notifies_both_addresses(
    user, meta, committed
):
    old = user.email
    with committed():
        services.update_profile(
            user=user, meta=meta, email="fresh@example.com", password=DEFAULT_PASSWORD
        )
    user.refresh_from_db()
    assert user.email == old
    assert user.pending_email == "fresh@example.com"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([old, "fresh@example.com"])


def test_following_the_change_link_applies_the_new_email(user, meta, committed):
    with committed():
        services.update_profile(
            user=user, meta=meta, email="fresh@example.com", password=DEFAULT_PASSWORD
        )
    to_new = next(m for m in mail.outbox if m.to == ["fresh@example.com"])
    token = link_token(to_new.body)
    services.verify_email(token=token, meta=meta)
    user.refresh_from_db()
    assert (user.email, user.pending_email, user.email_verified) == (
        "fresh@example.com",
        "",
        True,
    )


def test_an_email_change_to_a_taken_address_says_email_taken(user, meta):
    UserFactory(email="other@example.com")
    with pytest.raises(ServiceError) as excinfo:
        services.update_profile(
            user=user, meta=meta, email="Other@example.com", password=DEFAULT_PASSWORD
        )
    assert _codes(excinfo) == [("EMAIL_TAKEN", "email")]


def test_verifying_registration_marks_the_email_verified(meta, committed):
    with committed():
        services.register(email="v@example.com", password=STRONG, meta=meta)
    user = services.verify_email(token=token_from_last_mail(), meta=meta)
    assert user.email_verified


def test_a_superseded_email_change_link_is_invalid(user, meta, committed):
    with committed():
        services.update_profile(
            user=user, meta=meta, email="first@example.com", password=DEFAULT_PASSWORD
        )
    first = next(m for m in mail.outbox if m.to == ["first@example.com"])
    first_token = link_token(first.body)
    with committed():
        services.update_profile(
            user=user, meta=meta, email="second@example.com", password=DEFAULT_PASSWORD
        )
    with pytest.raises(ServiceError) as excinfo:
        services.verify_email(token=first_token, meta=meta)
    assert excinfo.value.code == ErrorCode.TOKEN_INVALID


def test_resend_verification_sends_a_new_link_to_an_unverified_user(meta, committed):
    user = UserFactory(email_verified=False)
    with committed():
        services.resend_verification_email(user=user, meta=meta)
    assert mail.outbox[-1].to == [user.email]


def test_resend_verification_does_nothing_for_a_verified_user(user, meta, committed):
    with committed():
        services.resend_verification_email(user=user, meta=meta)
    assert mail.outbox == []


def test_delete_account_requires_the_password(user, meta):
    with pytest.raises(ServiceError) as excinfo:
        services.delete_account(user=user, password="not-my-password", meta=meta)
    assert _codes(excinfo) == [("PASSWORD_INCORRECT", "password")]
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_account_removes_the_user_and_sends_a_goodbye(user, meta, committed):
    email = user.email
    with committed():
        services.delete_account(user=user, password=DEFAULT_PASSWORD, meta=meta)
    assert not User.objects.filter(email=email).exists()
    assert mail.outbox[-1].to == [email]
