"""The admin's login asks for the second factor, through its real forms."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.mfa import code_for, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_url():
    return reverse("admin:login")


@pytest.fixture
def index_url():
    return reverse("admin:index")


def post_login(client, login_url, index_url, user, **extra):
    data = {"username": user.email, "password": DEFAULT_PASSWORD, "next": index_url}
    data.update(extra)
    return client.post(login_url, data)


def test_login_page_asks_for_the_code(client, login_url):
    page = client.get(login_url)
    assert page.status_code == 200
    assert b'name="otp_token"' in page.content
    assert b'name="otp_device"' not in page.content


def test_staff_with_totp_needs_the_code(client, login_url, index_url, clock):
    staff = StaffFactory()
    enrol(staff)
    clock.shift(30)

    without = post_login(client, login_url, index_url, staff)
    assert without.status_code == 200
    assert b"Enter the code" in without.content
    assert client.get(index_url).status_code == 302

    wrong = post_login(client, login_url, index_url, staff, otp_token="000000")
    assert wrong.status_code == 200
    assert client.get(index_url).status_code == 302

    clock.shift(30)
    right = post_login(client, login_url, index_url, staff, otp_token=code_for(staff))
    assert right.status_code == 302
    assert right["Location"] == index_url
    assert client.get(index_url).status_code == 200


def test_admin_refuses_a_replayed_code(client, login_url, index_url, clock):
    staff = StaffFactory()
    enrol(staff)
    clock.shift(30)
    code = code_for(staff)
    assert (
        post_login(client, login_url, index_url, staff, otp_token=code).status_code
        == 302
    )
    client.logout()

    again = post_login(client, login_url, index_url, staff, otp_token=code)

    assert again.status_code == 200
    assert client.get(index_url).status_code == 302


def test_admin_accepts_a_recovery_code_once_and_emails(
    client, login_url, index_url, clock, committed
):
    staff = StaffFactory()
    codes = enrol(staff)
    with committed():
        response = post_login(client, login_url, index_url, staff, otp_token=codes[0])
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[staff.email]]
    client.logout()

    again = post_login(client, login_url, index_url, staff, otp_token=codes[0])
    assert again.status_code == 200


def test_staff_without_totp_logs_in_with_the_password_when_not_required(
    client, login_url, index_url, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    staff = StaffFactory()

    response = post_login(client, login_url, index_url, staff)

    assert response.status_code == 302
    assert client.get(index_url).status_code == 200


def test_staff_without_totp_is_refused_when_required(
    client, login_url, index_url, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    staff = StaffFactory()

    response = post_login(client, login_url, index_url, staff)

    assert response.status_code == 403
    assert response["X-Error-Reason"] == "MFA_SETUP_REQUIRED"
    assert b"MFA_SETUP_REQUIRED" in response.content
    assert client.get(index_url).status_code in {302, 403}


def test_a_session_from_before_the_requirement_is_refused(
    client, login_url, index_url, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False
    staff = StaffFactory()
    assert post_login(client, login_url, index_url, staff).status_code == 302
    settings.MFA_REQUIRED_FOR_STAFF = True

    response = client.get(index_url)

    assert response.status_code == 403
    assert response["X-Error-Reason"] == "MFA_SETUP_REQUIRED"


def test_a_password_only_session_of_an_account_that_turned_totp_on_must_log_in_again(
    client, login_url, index_url, clock
):
    staff = StaffFactory()
    assert post_login(client, login_url, index_url, staff).status_code == 302
    enrol(staff)

    assert client.get(index_url).status_code == 302  # to the login page
