"""The write operations of the domain, the only entry points the surfaces call.

Each function takes keyword arguments (the acting user, plain values, a
``RequestMeta``), returns model objects, and raises ``ServiceError`` with a code
from the shared vocabulary. No request objects, serializers or GraphQL ``info``.
"""

from users.services.accounts import (
    deactivate_user,
    delete_account,
    register,
    update_profile,
)
from users.services.avatar import delete_avatar, set_avatar
from users.services.email_change import cancel_email_change
from users.services.mfa import (
    confirm_totp,
    disable_totp,
    regenerate_recovery_codes,
    setup_totp,
    verify_mfa,
    verify_second_factor,
)
from users.services.passwords import (
    change_password,
    request_password_reset,
    reset_password,
)
from users.services.sessions import (
    authenticate,
    check_credentials,
    login,
    logout,
    open_session,
    refresh,
    revoke_all_sessions,
    revoke_other_sessions,
    revoke_session,
    verify_token,
)
from users.services.unrecognized_login import report_unrecognized_login
from users.services.verification import resend_verification_email, verify_email

__all__ = [
    "authenticate",
    "cancel_email_change",
    "change_password",
    "check_credentials",
    "confirm_totp",
    "deactivate_user",
    "delete_account",
    "delete_avatar",
    "disable_totp",
    "login",
    "logout",
    "open_session",
    "refresh",
    "regenerate_recovery_codes",
    "register",
    "report_unrecognized_login",
    "request_password_reset",
    "resend_verification_email",
    "reset_password",
    "revoke_all_sessions",
    "revoke_other_sessions",
    "revoke_session",
    "set_avatar",
    "setup_totp",
    "update_profile",
    "verify_email",
    "verify_mfa",
    "verify_second_factor",
    "verify_token",
]
