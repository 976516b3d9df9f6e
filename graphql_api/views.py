"""The /graphql/ endpoint: graphene-django's view with this API's edges.

- Authentication is by the ``Authorization`` header only (no cookies), so the view
  is CSRF-exempt without being open to cross-site request forgery.
- No array batching: one document per request, so every operation in it is
  counted against the rate limits by the services.
- Mutations only over POST (graphene-django answers 405 to a GET mutation).
- The GraphQL multipart request spec (apollo-upload-client) for file uploads.
- Every answer is JSON with ``extensions.code`` on every error, even for a body
  too large, a malformed body or an unexpected exception (never a traceback).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError

from core.vendor import page_assets
from graphql_api.validation import validation_rules
from users.errors import DESCRIPTIONS, ErrorCode

logger = logging.getLogger(__name__)

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")
_STATUS_CODES = {
    400: ErrorCode.INVALID_INPUT,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.FILE_TOO_LARGE,
}


class CodedHttpError(HttpError):
    """An HTTP-level refusal that carries its error code."""

    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        response = HttpResponse(status=status)
        super().__init__(response, message)
        self.code = code


def _json_error(status: int, code: ErrorCode, message: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": str(code)}}]},
        status=status,
    )


def _set_path(target: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


class AccountsGraphQLView(GraphQLView):
    graphiql = False  # decided per request from settings.GRAPHIQL_ENABLED
    graphiql_template = "graphql_api/graphiql.html"

    def render_graphiql(self, request: HttpRequest, **cdn_data: Any) -> HttpResponse:
        """Render GraphiQL from local static files (core.vendor).

        graphene-django passes CDN versions and hashes; they are ignored, the
        page uses the vendored files listed in core/vendor_assets.json instead.
        """
        context = {
            "api_name": "Accounts API",
            "assets": page_assets("graphiql"),
            "graphiql_settings": {
                "headerEditorEnabled": graphene_settings.GRAPHIQL_HEADER_EDITOR_ENABLED,
                "shouldPersistHeaders": (
                    graphene_settings.GRAPHIQL_SHOULD_PERSIST_HEADERS
                ),
                "inputValueDeprecation": (
                    graphene_settings.GRAPHIQL_INPUT_VALUE_DEPRECATION
                ),
            },
        }
        return render(request, self.graphiql_template, context)

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.graphiql = settings.GRAPHIQL_ENABLED
        self.validation_rules = validation_rules()
        try:
            return super().dispatch(request, *args, **kwargs)
        except RequestDataTooBig:
            return _json_error(
                413, ErrorCode.FILE_TOO_LARGE, "The request body is too large."
            )
        except SuspiciousOperation:
            return _json_error(
                400, ErrorCode.INVALID_INPUT, "The request is malformed."
            )

    def parse_body(self, request: HttpRequest) -> dict:
        content_type = self.get_content_type(request)
        if content_type == "multipart/form-data":
            return self._parse_multipart(request)
        if content_type == "application/json":
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise CodedHttpError(
                    400, ErrorCode.INVALID_INPUT, "The body is not valid JSON."
                ) from exc
            if isinstance(body, list):
                raise CodedHttpError(
                    400,
                    ErrorCode.QUERY_TOO_COMPLEX,
                    "Batched requests are not supported: "
                    "send one operation per request.",
                )
            if not isinstance(body, dict):
                raise CodedHttpError(
                    400, ErrorCode.INVALID_INPUT, "The body must be a JSON object."
                )
            return body
        return super().parse_body(request)

    def _parse_multipart(self, request: HttpRequest) -> dict:
        """Apply the GraphQL multipart request spec: files land where ``map`` says."""
        try:
            operations = json.loads(request.POST["operations"])
            file_map = json.loads(request.POST.get("map") or "{}")
            if isinstance(operations, list):
                raise CodedHttpError(
                    400,
                    ErrorCode.QUERY_TOO_COMPLEX,
                    "Batched requests are not supported.",
                )
            if not isinstance(operations, dict) or not isinstance(file_map, dict):
                raise ValueError("operations must be an object and map an object")
            for key, paths in file_map.items():
                upload = request.FILES[key]
                for path in paths:
                    _set_path(operations, path, upload)
        except CodedHttpError:
            raise
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise CodedHttpError(
                400,
                ErrorCode.INVALID_INPUT,
                "Malformed multipart request: see the GraphQL multipart request spec.",
            ) from exc
        return operations

    def execute_graphql_request(self, request, data, query, *args, **kwargs):
        if (
            isinstance(query, str)
            and len(query.encode()) > settings.GRAPHQL_MAX_QUERY_BYTES
        ):
            raise CodedHttpError(
                400,
                ErrorCode.QUERY_TOO_COMPLEX,
                f"The query is larger than {settings.GRAPHQL_MAX_QUERY_BYTES} bytes.",
            )
        return super().execute_graphql_request(request, data, query, *args, **kwargs)

    @staticmethod
    def format_error(error: Exception) -> dict:
        if isinstance(error, CodedHttpError):
            return {"message": str(error), "extensions": {"code": str(error.code)}}
        if isinstance(error, HttpError):
            code = _STATUS_CODES.get(
                error.response.status_code, ErrorCode.INVALID_INPUT
            )
            return {"message": str(error), "extensions": {"code": str(code)}}
        if not isinstance(error, GraphQLError):
            logger.exception(
                "Unexpected error outside GraphQL execution", exc_info=error
            )
            return _internal()
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError):
            logger.error(
                "Unexpected error in a resolver at %s",
                error.path,
                exc_info=(type(original), original, original.__traceback__),
            )
            formatted = _internal()
            if error.path:
                formatted["path"] = error.path
            return formatted
        formatted = error.formatted
        extensions = formatted.setdefault("extensions", {})
        extensions.setdefault("code", str(ErrorCode.INVALID_INPUT))
        if not settings.GRAPHQL_INTROSPECTION:
            formatted["message"] = _SUGGESTION.sub("", formatted["message"])
        return formatted


def _internal() -> dict:
    return {
        "message": DESCRIPTIONS[ErrorCode.INTERNAL_ERROR],
        "extensions": {"code": str(ErrorCode.INTERNAL_ERROR)},
    }
