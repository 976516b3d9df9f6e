"""Two-factor mutations: thin calls into ``users.services`` (the rules live there)."""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar

from graphql_api.auth import caller_meta
from graphql_api.users.mutations import BaseMutation, OkPayload
from users import services


class SetupTotp(BaseMutation):
    """Start enrolling an authenticator app; pending until confirmTotp.

    Calling it again before confirming replaces the secret.
    """

    secret = graphene.String(
        description="The shared secret in base32, for typing into the app."
    )
    otpauth_uri = graphene.String(
        description="otpauth:// key URI (what the QR code holds)."
    )
    qr_svg = graphene.String(description="The key URI as an inline SVG QR code.")

    class Input:
        pass

    @classmethod
    def perform(cls, info, caller):
        setup = services.setup_totp(user=caller.user, meta=caller_meta(info))
        return cls(
            secret=setup.secret,
            otpauth_uri=setup.otpauth_uri,
            qr_svg=setup.qr_svg,
            errors=[],
        )


class RecoveryCodesPayload(BaseMutation):
    class Meta:
        abstract = True

    recovery_codes = graphene.List(
        graphene.NonNull(graphene.String),
        description="Single-use recovery codes, shown this once: store them safely.",
    )


class ConfirmTotp(RecoveryCodesPayload):
    """Turn two-factor authentication on with a first code from the app.

    Every other session of the account ends (it was opened with the password
    alone); the caller's stays. The account's address is told by email.
    """

    class Input:
        code = graphene.String(required=True, description="A current 6-digit code.")

    @classmethod
    def perform(cls, info, caller, *, code):
        codes = services.confirm_totp(
            user=caller.user,
            code=code,
            meta=caller_meta(info),
            current_session=caller.session,
        )
        return cls(recovery_codes=codes, errors=[])


class DisableTotp(OkPayload):
    """Turn two-factor authentication off (password and a current code)."""

    class Input:
        password = graphene.String(required=True, description="Your password.")
        code = graphene.String(
            required=True, description="A current TOTP code or a recovery code."
        )

    @classmethod
    def perform(cls, info, caller, *, password, code):
        services.disable_totp(
            user=caller.user,
            password=password,
            code=code,
            meta=caller_meta(info),
        )
        return cls(ok=True, errors=[])


class RegenerateRecoveryCodes(RecoveryCodesPayload):
    """Replace your recovery codes; the old ones stop working."""

    class Input:
        password = graphene.String(required=True, description="Your password.")

    @classmethod
    def perform(cls, info, caller, *, password):
        codes = services.regenerate_recovery_codes(
            user=caller.user, password=password, meta=caller_meta(info)
        )
        return cls(recovery_codes=codes, errors=[])


class VerifyMfa(BaseMutation):
    """Second login step: trade tokenAuth's mfaToken and a code for a token pair."""

    requires_auth = False

    token = graphene.String(description="Access token (Bearer).")
    refresh_token = graphene.String(description="Single-use refresh token.")
    payload = GenericScalar(description="The access token's claims.")
    refresh_expires_in = graphene.Int(
        description="Seconds until the refresh token expires."
    )
    device_token = graphene.String(
        description="This device's token (the one sent to tokenAuth, renewed): "
        "send it with the next tokenAuth."
    )

    class Input:
        mfa_token = graphene.String(
            required=True,
            description="extensions.mfaToken of tokenAuth's MFA_REQUIRED error.",
        )
        code = graphene.String(
            required=True, description="A TOTP code or an unused recovery code."
        )

    @classmethod
    def perform(cls, info, caller, *, mfa_token, code):
        pair = services.verify_mfa(
            mfa_token=mfa_token, code=code, meta=caller_meta(info)
        )
        return cls(
            token=pair.access,
            refresh_token=pair.refresh,
            payload=pair.access_payload,
            refresh_expires_in=pair.refresh_expires_in,
            device_token=pair.device_token,
            errors=[],
        )


class MfaMutations(graphene.ObjectType):
    setup_totp = SetupTotp.Field()
    confirm_totp = ConfirmTotp.Field()
    disable_totp = DisableTotp.Field()
    regenerate_recovery_codes = RegenerateRecoveryCodes.Field()
    verify_mfa = VerifyMfa.Field()
