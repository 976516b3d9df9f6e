"""REST routes under ``/api/``: version 1 (names ``v1:<name>``) and its docs."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from core.views import not_found
from rest_api.docs import redoc_view, schema_view
from rest_api.users import mfa_views, views

v1 = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/verify/", views.TokenVerifyView.as_view(), name="token-verify"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "auth/password/reset/", views.PasswordResetView.as_view(), name="password-reset"
    ),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/email/verify/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("auth/email/cancel/", views.EmailCancelView.as_view(), name="email-cancel"),
    path(
        "auth/unrecognized-login/",
        views.UnrecognizedLoginView.as_view(),
        name="unrecognized-login",
    ),
    path("auth/email/resend/", views.EmailResendView.as_view(), name="email-resend"),
    path("auth/mfa/verify/", mfa_views.MfaVerifyView.as_view(), name="mfa-verify"),
    path("users/me/mfa/totp/", mfa_views.TotpView.as_view(), name="mfa-totp"),
    path(
        "users/me/mfa/totp/confirm/",
        mfa_views.TotpConfirmView.as_view(),
        name="mfa-totp-confirm",
    ),
    path(
        "users/me/mfa/recovery-codes/",
        mfa_views.RecoveryCodesView.as_view(),
        name="mfa-recovery-codes",
    ),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/me/", views.MeView.as_view(), name="me"),
    path("users/me/activity/", views.MyActivityView.as_view(), name="my-activity"),
    path(
        "users/<str:user_id>/activity/",
        views.UserActivityView.as_view(),
        name="user-activity",
    ),
    path(
        "users/<str:user_id>/deactivate/",
        views.UserDeactivateView.as_view(),
        name="user-deactivate",
    ),
    path("users/me/avatar/", views.AvatarView.as_view(), name="avatar"),
    path(
        "users/me/password/", views.PasswordChangeView.as_view(), name="password-change"
    ),
    path("users/me/sessions/", views.SessionListView.as_view(), name="session-list"),
    path(
        "users/me/sessions/<uuid:session_id>/",
        views.SessionDetailView.as_view(),
        name="session-detail",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("docs/", schema_view.with_ui("swagger", cache_timeout=0), name="api-docs"),
    path("redoc/", redoc_view(), name="api-redoc"),
    path(
        "schema.json",
        schema_view.without_ui(cache_timeout=0),
        {"format": ".json"},
        name="api-schema",
    ),
    # Anything else under /api/ is a JSON 404, also with DEBUG on (where Django
    # would render its HTML 404 page instead of calling handler404). Exempt from
    # CSRF, or a POST to a wrong path would get the HTML CSRF failure page.
    re_path(r"", csrf_exempt(not_found), name="api-not-found"),
]
