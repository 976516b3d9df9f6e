"""The committed SDL is the schema: a change to one without the other fails here."""

from django.core.management import call_command

from graphql_api.management.commands.export_graphql_schema import (
    SCHEMA_FILE,
    printed_schema,
)


def test_the_committed_sdl_matches_the_code():
    assert SCHEMA_FILE.read_text() == printed_schema(), (
        "graphql_api/schema.graphql is stale: run "
        "`python manage.py export_graphql_schema` and review the diff"
    )


def test_the_check_mode_of_the_command_passes(capsys):
    call_command("export_graphql_schema", "--check")
    assert "up to date" in capsys.readouterr().out


def test_every_contract_operation_is_in_the_schema():
    sdl = printed_schema()
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
