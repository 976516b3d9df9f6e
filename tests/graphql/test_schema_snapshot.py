"""The committed SDL is the schema: a change to one without the other fails here."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.GRAPHENE["SCHEMA_OUTPUT"])


def printed_schema(tmp_path: Path) -> str:
    """Return what graphene-django's own `graphql_schema` command writes."""
    out = tmp_path / "schema.graphql"
    call_command("graphql_schema", out=str(out))
    return out.read_text()


def test_the_committed_sdl_matches_the_code(tmp_path):
    assert COMMITTED.read_text() == printed_schema(tmp_path), (
        "graphql_api/schema.graphql is stale: run `make schema` "
        "(manage.py graphql_schema) and review the diff"
    )


def test_every_contract_operation_is_in_the_schema(tmp_path):
    sdl = printed_schema(tmp_path)
    for name in [
        "me: User",
        "node(",
        "users(",
        "mySessions: [Session!]!",
        "register(input: RegisterInput!)",
        "tokenAuth(",
        "verifyToken(token: String!)",
        "refreshToken(refreshToken: String!)",
        "revokeToken(refreshToken: String!)",
        "updateProfile(input: UpdateProfileInput!)",
        "uploadAvatar(input: UploadAvatarInput!)",
        "deleteAvatar(input: DeleteAvatarInput!)",
        "changePassword(input: ChangePasswordInput!)",
        "requestPasswordReset(input: RequestPasswordResetInput!)",
        "resetPassword(input: ResetPasswordInput!)",
        "verifyEmail(input: VerifyEmailInput!)",
        "cancelEmailChange(input: CancelEmailChangeInput!)",
        "resendVerificationEmail(input: ResendVerificationEmailInput!)",
        "revokeSession(input: RevokeSessionInput!)",
        "revokeOtherSessions(input: RevokeOtherSessionsInput!)",
        "deleteAccount(input: DeleteAccountInput!)",
        "deactivateUser(input: DeactivateUserInput!)",
        "type User implements Node",
        "type Session implements Node",
        "errors: [UserError!]!",
        "enum ErrorCode",
    ]:
        assert name in sdl, name


def test_token_auth_takes_the_contracts_arguments():
    from graphql_api.schema import schema

    field = schema.graphql_schema.mutation_type.fields["tokenAuth"]
    args = {name: str(arg.type) for name, arg in field.args.items()}
    assert args == {
        "email": "String!",
        "password": "String!",
        "deviceToken": "String",
    }
    assert "deviceToken" in field.type.fields
