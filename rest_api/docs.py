"""The REST API's Swagger 2.0 document (drf-yasg): schema views and conventions.

Views declare their operation with ``@swagger_auto_schema`` (summary, tag, body,
success response) plus ``errors={field: [ErrorCode, ...]}``, the codes the
operation's service can answer. :class:`AutoSchema` turns those codes into one
documented response per status, each with the shared error body and an example,
and adds what every operation of a kind can answer without each view repeating
it: bodies can be malformed (400), too large (413) or of the wrong type (415);
protected operations can be unauthenticated (401) or over the general rate limit
(429), and they carry the Bearer security requirement, so "Authorize" in
Swagger UI applies the token to exactly those.
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from drf_yasg import openapi, renderers
from drf_yasg.codecs import OpenAPICodecJson
from drf_yasg.generators import OpenAPISchemaGenerator
from drf_yasg.inspectors import ReferencingSerializerInspector, SwaggerAutoSchema
from drf_yasg.utils import get_produces, get_serializer_ref_name
from drf_yasg.views import get_schema_view
from rest_framework import permissions, serializers
from rest_framework.settings import api_settings

from core.vendor import page_assets
from users.errors import DESCRIPTIONS, ErrorCode, http_status

INFO = openapi.Info(
    title="Accounts API",
    default_version="v1",
    description=(
        "Registration, tokens, profile, sessions and password management. The same "
        "operations are served over GraphQL at `/graphql/`; tokens work on both.\n\n"
        "Authenticate with `Authorization: Bearer <access>` (in Swagger UI: "
        "*Authorize*, then type `Bearer <access>`). Every failure answers "
        '`{"errors": [{"field", "code", "message"}]}` with a code from one shared '
        "vocabulary; `field` is the snake_case input field, or null.\n\n"
        "Input bodies refuse fields they do not declare (`INVALID_INPUT` on that "
        "field), so a stray `is_staff` is never silently ignored. User `id`s are "
        "Relay global ids, the same strings GraphQL uses."
    ),
)

#: Where ``export_openapi_schema`` writes, and what the drift test compares.
SNAPSHOT_PATH = Path(__file__).with_name("openapi.json")
#: A fixed origin for the snapshot (``make run``'s), so it is deterministic.
SNAPSHOT_URL = "http://localhost:8000"
SECURITY_SCHEME = "Bearer"

#: What every operation with a request body can answer.
BODY_ERRORS = (
    ErrorCode.INVALID_INPUT,
    ErrorCode.FILE_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
)
#: What every operation behind the Bearer token can answer (a refused token is
#: ``TOKEN_INVALID`` whatever the cause; its ``reason`` says ``TOKEN_EXPIRED``).
PROTECTED_ERRORS = (
    ErrorCode.UNAUTHENTICATED,
    ErrorCode.TOKEN_INVALID,
    ErrorCode.RATE_LIMITED,
)
_HEADERS: dict[int, dict[str, dict[str, str]]] = {
    401: {
        "WWW-Authenticate": {
            "type": "string",
            "description": 'Bearer challenge; `error="invalid_token"` when the '
            "presented token was refused.",
        }
    },
    429: {
        "Retry-After": {
            "type": "integer",
            "description": "Seconds until a retry can succeed.",
        }
    },
}


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The snake_case input field at fault, or null."
    )
    code = serializers.ChoiceField(
        choices=[code.value for code in ErrorCode],
        help_text="Machine-readable code from the shared vocabulary.",
    )
    message = serializers.CharField(help_text="Human-readable explanation.")
    reason = serializers.ChoiceField(
        choices=[code.value for code in ErrorCode],
        required=False,
        help_text="On the first error only, why it was answered when a client can "
        "act on it: `MFA_SETUP_REQUIRED` for a `FORBIDDEN`; `TOKEN_EXPIRED` "
        "(refresh, then retry) or `TOKEN_INVALID` (log in) for a refused Bearer "
        "token.",
    )

    class Meta:
        ref_name = "ErrorItem"


class ErrorSerializer(serializers.Serializer):
    # A declared field named like Serializer.errors: DRF moves it into fields.
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]

    class Meta:
        ref_name = "Error"


def error_responses(
    errors: Mapping[str | None, Iterable[ErrorCode]],
    error_status: Mapping[ErrorCode, int] | None = None,
) -> dict[str, openapi.Response]:
    """Document ``{field: codes}`` as one response per status, with an example."""
    by_status: dict[int, dict[ErrorCode, list[str | None]]] = {}
    for field, codes in errors.items():
        for code in codes:
            status = http_status(code, error_status)
            fields = by_status.setdefault(status, {}).setdefault(code, [])
            if field not in fields:
                fields.append(field)
    responses = {}
    for status in sorted(by_status):
        codes = by_status[status]
        lines = [
            f"- `{code}`{_on_fields(fields)}: {DESCRIPTIONS[code]}"
            for code, fields in codes.items()
        ]
        code, fields = next(iter(codes.items()))
        example = {
            "errors": [
                {"field": fields[0], "code": str(code), "message": DESCRIPTIONS[code]}
            ]
        }
        responses[str(status)] = openapi.Response(
            description=f"{http.HTTPStatus(status).phrase}.\n\n" + "\n".join(lines),
            schema=ErrorSerializer,
            examples={"application/json": example},
            headers=_HEADERS.get(status),
        )
    return responses


def _on_fields(fields: list[str | None]) -> str:
    names = [f"`{field}`" for field in fields if field]
    if not names:
        return ""
    if None in fields:
        names.append("none")
    return " (field " + ", ".join(names) + ")"


class AutoSchema(SwaggerAutoSchema):
    """drf-yasg's inspector plus this API's conventions (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set here, not in SWAGGER_SETTINGS: drf_yasg.inspectors reads that setting
        # while it is imported, before this module can be.
        self.field_inspectors = [
            SerializerInspector
            if inspector is ReferencingSerializerInspector
            else inspector
            for inspector in self.field_inspectors  # type: ignore[has-type]
        ]

    def is_protected(self) -> bool:
        return any(
            issubclass(permission, permissions.IsAuthenticated)
            for permission in getattr(self.view, "permission_classes", ())
        )

    def get_security(self) -> list[dict[str, list[str]]] | None:
        security = super().get_security()
        if security is None and self.is_protected():
            return [{SECURITY_SCHEME: []}]
        return security

    def get_response_serializers(self) -> dict[str, Any]:
        responses = super().get_response_serializers()
        errors: dict[str | None, list[ErrorCode]] = {
            field: list(codes)
            for field, codes in (self.overrides.get("errors") or {}).items()
        }
        if self.get_request_serializer() is not None:
            errors.setdefault(None, []).extend(BODY_ERRORS)
        if self.is_protected():
            errors.setdefault(None, []).extend(PROTECTED_ERRORS)
        error_status = getattr(self.view, "error_status", {})
        for status, response in error_responses(errors, error_status).items():
            responses.setdefault(status, response)
        return responses

    def get_request_body_parameters(self, consumes: list[str]) -> list[Any]:
        """Let a PATCH body be left out: no field given changes nothing.

        The same as GraphQL's ``updateProfile(input: {})``; every other body is
        required.
        """
        parameters = super().get_request_body_parameters(consumes)
        if self.method.upper() == "PATCH":
            for parameter in parameters:
                if parameter.get("in") == openapi.IN_BODY:
                    parameter.required = False
        return parameters

    def get_response_schemas(self, response_serializers: dict[str, Any]) -> dict:
        responses = super().get_response_schemas(response_serializers)
        for status, response in responses.items():
            if not response.get("description"):
                response.description = http.HTTPStatus(int(status)).phrase + "."
        return responses


class SchemaGenerator(OpenAPISchemaGenerator):
    """drf-yasg's generator, with media types per operation (Swagger 2.0).

    An operation whose success answers have no content (202, 204) must not
    claim it produces JSON for them; Swagger 2.0 declares media types per
    operation only, so such an operation declares none, and the others name
    ``application/json`` themselves (there is no document-wide ``produces``
    that would apply to every operation).
    """

    def get_schema(self, request: Any = None, public: bool = False) -> Any:
        schema = super().get_schema(request, public)
        schema.pop("produces", None)
        return schema

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        produces = get_produces(api_settings.DEFAULT_RENDERER_CLASSES)
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        successes = [
            response
            for status, response in operation.responses.items()
            if str(status).startswith("2")
        ]
        if any("schema" in response for response in successes):
            operation.setdefault("produces", produces)
        else:
            operation.pop("produces", None)
        return operation


class SerializerInspector(ReferencingSerializerInspector):
    """Name the nested ``FooView.InputSerializer`` classes ``FooInput``.

    HackSoft-style views each nest an ``InputSerializer``; drf-yasg would call all
    of them ``Input`` and refuse the clash.
    """

    def get_serializer_ref_name(self, serializer: serializers.Serializer) -> str | None:
        owner, _, name = type(serializer).__qualname__.rpartition(".")
        if not owner or hasattr(getattr(serializer, "Meta", None), "ref_name"):
            return get_serializer_ref_name(serializer)
        owner = owner.rpartition(".")[2].removesuffix("View")
        return owner + name.removesuffix("Serializer")


class ReDocRenderer(renderers.ReDocRenderer):
    """drf-yasg's ReDoc page, with ReDoc from the vendored files (no other origin)."""

    template = "rest_api/redoc.html"

    def set_context(self, renderer_context: dict, swagger: Any) -> None:
        super().set_context(renderer_context, swagger)
        renderer_context["vendored_assets"] = page_assets("redoc")


schema_view = get_schema_view(
    INFO,
    generator_class=SchemaGenerator,
    public=True,
    authentication_classes=[],
    permission_classes=[permissions.AllowAny],
)


def redoc_view() -> Callable[..., Any]:
    """Build the ReDoc view: its own renderer first, then drf-yasg's others."""
    return schema_view.as_cached_view(
        cache_timeout=0,
        renderer_classes=(
            ReDocRenderer,
            renderers.SwaggerUIRenderer,
            *schema_view.renderer_classes,
        ),
    )


def render_schema(url: str = SNAPSHOT_URL) -> str:
    """Render the Swagger document as the committed snapshot has it."""
    schema = SchemaGenerator(info=INFO, url=url).get_schema(request=None, public=True)
    return OpenAPICodecJson(validators=[], pretty=True).encode(schema).decode()
