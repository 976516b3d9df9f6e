"""REST views of two-factor authentication: parse, call one service, render."""

from __future__ import annotations

from drf_yasg.utils import swagger_auto_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from rest_api.serializers import PasswordField, StrictSerializer, TextField
from rest_api.users.serializers import TokenPairSerializer
from rest_api.views import APIView, PublicAPIView
from users import services
from users.errors import ErrorCode as E
from users.mfa import MAX_CODE_LENGTH, MAX_MFA_TOKEN_LENGTH

MFA = "mfa"
#: Operations that check a password or a code refuse to run unmetered.
FAIL_CLOSED = [E.RATE_LIMITED, E.SERVICE_UNAVAILABLE]
#: A code field: a TOTP code or a recovery code (``abcde-fghjk``).


def _code_field() -> TextField:
    # The length is the domain's (users.mfa); declared here for the schema.
    return TextField(
        rules={"min_length": 1, "max_length": MAX_CODE_LENGTH},
        help_text="A current 6-digit TOTP code, or an unused recovery code.",
    )


class TotpSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The shared secret in base32.")
    otpauth_uri = serializers.CharField(help_text="otpauth:// key URI.")
    qr_svg = serializers.CharField(help_text="The key URI as an inline SVG QR code.")

    class Meta:
        ref_name = "TotpSetup"


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Single-use recovery codes, shown this once.",
    )

    class Meta:
        ref_name = "RecoveryCodes"


class TotpView(APIView):
    class DeleteInputSerializer(StrictSerializer):
        password = PasswordField()
        code = _code_field()

    @swagger_auto_schema(
        operation_id="setupTotp",
        operation_summary="Start enrolling an authenticator app",
        tags=[MFA],
        responses={200: TotpSetupSerializer},
        errors={None: [E.MFA_ALREADY_ENABLED, E.RATE_LIMITED]},
    )
    def post(self, request: Request) -> Response:
        """Return a fresh secret, its `otpauth://` URI and a QR code (SVG).

        Nothing changes for logins until `/users/me/mfa/totp/confirm/` accepts a
        code from the app; calling this again first replaces the secret.
        """
        setup = services.setup_totp(user=self.caller.user, meta=self.meta)
        return Response(TotpSetupSerializer(setup).data)

    @swagger_auto_schema(
        operation_id="disableTotp",
        operation_summary="Turn two-factor authentication off",
        tags=[MFA],
        request_body=DeleteInputSerializer,
        responses={204: "TOTP and the recovery codes are removed."},
        errors={
            "password": [E.REQUIRED, E.PASSWORD_INCORRECT],
            "code": [E.REQUIRED, E.MFA_CODE_INVALID],
            None: [E.MFA_NOT_ENABLED, *FAIL_CLOSED],
        },
    )
    def delete(self, request: Request) -> Response:
        """Remove the second factor; needs the password and a current code.

        A stolen access token alone must not be enough to strip the account's
        second factor.
        """
        data = self.parse(self.DeleteInputSerializer)
        services.disable_totp(user=self.caller.user, meta=self.meta, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmView(APIView):
    class InputSerializer(StrictSerializer):
        code = _code_field()

    @swagger_auto_schema(
        operation_id="confirmTotp",
        operation_summary="Turn two-factor authentication on",
        tags=[MFA],
        request_body=InputSerializer,
        responses={200: RecoveryCodesSerializer},
        errors={
            "code": [E.REQUIRED, E.MFA_CODE_INVALID],
            None: [E.MFA_NOT_ENABLED, E.MFA_ALREADY_ENABLED, *FAIL_CLOSED],
        },
    )
    def post(self, request: Request) -> Response:
        """Confirm the pending app with one of its codes; answer 10 recovery codes.

        The codes are shown this once (only their hashes are stored). Every other
        session of the account ends (it was opened with the password alone); this
        one stays. The account's address is told by email.
        """
        code = self.parse(self.InputSerializer)["code"]
        codes = services.confirm_totp(
            user=self.caller.user,
            code=code,
            meta=self.meta,
            current_session=self.caller.session,
        )
        return Response({"recovery_codes": codes})


class RecoveryCodesView(APIView):
    class InputSerializer(StrictSerializer):
        password = PasswordField()

    @swagger_auto_schema(
        operation_id="regenerateRecoveryCodes",
        operation_summary="Replace my recovery codes",
        tags=[MFA],
        request_body=InputSerializer,
        responses={200: RecoveryCodesSerializer},
        errors={
            "password": [E.REQUIRED, E.PASSWORD_INCORRECT],
            None: [E.MFA_NOT_ENABLED, *FAIL_CLOSED],
        },
    )
    def post(self, request: Request) -> Response:
        """Answer a new set of recovery codes; every old one stops working."""
        password = self.parse(self.InputSerializer)["password"]
        codes = services.regenerate_recovery_codes(
            user=self.caller.user, password=password, meta=self.meta
        )
        return Response({"recovery_codes": codes})


class MfaVerifyView(PublicAPIView):
    class InputSerializer(StrictSerializer):
        mfa_token = TextField(
            rules={"max_length": MAX_MFA_TOKEN_LENGTH},
            help_text="`mfa_token` of the login's 401 MFA_REQUIRED.",
        )
        code = _code_field()

    @swagger_auto_schema(
        operation_id="verifyMfa",
        operation_summary="Second login step: trade the MFA token and a code",
        tags=["auth", MFA],
        request_body=InputSerializer,
        responses={200: TokenPairSerializer},
        errors={
            "mfa_token": [E.REQUIRED, E.TOKEN_INVALID],
            "code": [E.REQUIRED, E.MFA_CODE_INVALID],
            None: FAIL_CLOSED,
        },
    )
    def post(self, request: Request) -> Response:
        """Finish a login that answered `MFA_REQUIRED`: return the token pair.

        The MFA token works once, for a few minutes, and dies after a few wrong
        codes (log in again then). A recovery code works once; its use is
        emailed to the account.
        """
        pair = services.verify_mfa(**self.parse(self.InputSerializer), meta=self.meta)
        return Response(TokenPairSerializer(pair).data)
