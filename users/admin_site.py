"""The Django admin site: django-otp's ``OTPAdminSite``, checked by the services.

The login form asks for the second factor after the password, and verifies it
through ``users.services.verify_second_factor`` (the same budgets, throttling and
recovery-code email as the API's ``verifyMfa``) instead of django-otp's device
menu. A session is marked verified by django-otp's own middleware.

Who gets in:

* staff with TOTP on: password *and* a code, every time;
* staff without TOTP: the password alone while ``MFA_REQUIRED_FOR_STAFF`` is off;
  while it is on, ``403 FORBIDDEN (MFA_SETUP_REQUIRED)``, at the login and on
  every admin page of a session opened before.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from core.client_ip import request_meta
from users import mfa, services, staff
from users.errors import ErrorCode, ServiceError

MFA_SETUP_REQUIRED = "mfa_setup_required"
#: Failures that are not "wrong code" and must leave the form as what they are
#: (a 429 / 503 page from the login view), not as a form error.
_PASS_THROUGH = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.SERVICE_UNAVAILABLE})


class AdminLoginForm(OTPAdminAuthenticationForm):
    """Username, password and one code field: a TOTP code or a recovery code."""

    otp_token = forms.CharField(
        required=False,
        max_length=64,
        label="Authentication code",
        help_text="From your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_otp(self, user: Any) -> None:
        """Check the second factor of a user whose password was right."""
        if user is None:
            return
        user.otp_device = None
        if not mfa.is_enabled(user):
            if staff.is_staff_member(user) and staff.staff_mfa_missing(user):
                raise ValidationError(
                    "Two-factor authentication is required for staff: turn it on "
                    "through the API first (MFA_SETUP_REQUIRED).",
                    code=MFA_SETUP_REQUIRED,
                )
            return
        self.fields["password"].widget.render_value = True
        code = self.cleaned_data.get("otp_token")
        if not code:
            raise ValidationError(
                "Enter the code from your authenticator app.", code="token_required"
            )
        try:
            user.otp_device = services.verify_second_factor(
                user=user, code=code, meta=request_meta(self.request)
            )
        except ServiceError as exc:
            if exc.code in _PASS_THROUGH:
                raise
            raise ValidationError(exc.message, code="invalid_token") from exc


class AccountsAdminSite(OTPAdminSite):
    """The project's admin (``django.contrib.admin.site``), behind a second factor."""

    login_form = AdminLoginForm
    login_template = "admin/mfa_login.html"

    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite names itself "otpadmin"; keep the "admin:" URL names.
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        """Staff, verified by a second factor if the account has one."""
        if not AdminSite.has_permission(self, request):
            return False
        user: Any = request.user  # AdminSite.has_permission: an active staff User
        if mfa.is_enabled(user):
            # Installed by django-otp's OTPMiddleware.
            return bool(user.is_verified())
        return not staff.staff_mfa_missing(user)

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """Refuse staff who must set up MFA with a 403 instead of a login loop."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if staff.is_staff_member(user) and staff.staff_mfa_missing(user):
                return mfa_setup_required(request)
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, MFA_SETUP_REQUIRED):
            return mfa_setup_required(request)
        return response


def mfa_setup_required(request: HttpRequest) -> HttpResponse:
    """Answer the admin's ``FORBIDDEN`` with reason ``MFA_SETUP_REQUIRED``."""
    response = TemplateResponse(
        request,
        "admin/mfa_setup_required.html",
        {"title": "MFA required"},
        status=403,
    )
    response["X-Error-Code"] = str(ErrorCode.FORBIDDEN)
    response["X-Error-Reason"] = str(ErrorCode.MFA_SETUP_REQUIRED)
    return response
