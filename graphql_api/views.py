"""The /graphql/ endpoint: graphene-django's view with this API's edges.

- Authentication is by the ``Authorization`` header only (``core.bearer``; no
  cookies), so the view is CSRF-exempt without being open to cross-site
  request forgery.
- ``POST`` bodies are ``application/json`` or ``multipart/form-data`` (the
  GraphQL multipart request spec, for uploads); anything else, form-encoded
  included, is ``415 UNSUPPORTED_MEDIA_TYPE``. ``GET`` runs queries only.
- No array batching: one document per request, so every operation in it is
  counted against the rate limits by the services.
- The document goes through ``graphql_api.validation.check_document`` (size,
  linear guards, specification rules) before anything executes, once per
  process: the outcome, refusals included, is cached by the document's text
  and the settings (``graphql_api.documents``).
- Apollo's automatic persisted queries (``graphql_api.persisted``), over POST
  and over GET.
- Every answer is JSON with ``extensions.code`` on every error, even for a body
  too large, a malformed body or an unexpected exception (never a traceback).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, get_operation_ast
from graphql.execution import execute

from core import database_outage, json_input
from core.vendor import page_assets
from graphql_api import documents, persisted
from graphql_api.validation import check_document
from users.errors import DESCRIPTIONS, ErrorCode

logger = logging.getLogger(__name__)

#: The only request bodies ``POST /graphql/`` reads.
ACCEPTED_CONTENT_TYPES = ("application/json", "multipart/form-data")

_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")
_STATUS_CODES = {
    400: ErrorCode.INVALID_INPUT,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.FILE_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}
_MULTIPART_SPEC = "see the GraphQL multipart request spec."


#: graphene-django's ``dispatch`` without its ``ensure_csrf_cookie`` decorator
#: (``functools.wraps`` keeps the undecorated function as ``__wrapped__``). That
#: decorator mints, masks and sets a CSRF cookie (and ``Vary: Cookie``) on every
#: answer for GraphiQL's sake; here the view is CSRF-exempt, only the
#: ``Authorization`` header authenticates and the vendored GraphiQL sends no
#: CSRF token, so the cookie protected nothing and cost about a tenth of a
#: ``me`` query's CPU (bench/README.md).
_graphene_dispatch = getattr(GraphQLView.dispatch, "__wrapped__", GraphQLView.dispatch)


class CodedHttpError(HttpError):
    """An HTTP-level refusal that carries its error code."""

    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        response = HttpResponse(status=status)
        super().__init__(response, message)
        self.code = code


def _invalid(message: str) -> CodedHttpError:
    return CodedHttpError(400, ErrorCode.INVALID_INPUT, message)


def _json_error(status: int, code: ErrorCode, message: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": str(code)}}]},
        status=status,
    )


def _json(data: bytes | str, what: str) -> Any:
    try:
        return json_input.loads(data)
    except json_input.JSONInputError as exc:
        raise _invalid(f"{what}: {exc}") from exc


def _operation_object(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, list):
        raise CodedHttpError(
            400,
            ErrorCode.QUERY_TOO_COMPLEX,
            "Batched requests are not supported: send one operation per request.",
        )
    if not isinstance(value, dict):
        raise _invalid(f"{what} must be a JSON object.")
    return value


def _place_upload(operations: dict[str, Any], path: object, upload: Any) -> None:
    """Put ``upload`` where a multipart ``map`` path says, inside ``variables`` only.

    The spec's paths address ``null`` placeholders of the operation's variables;
    a path into ``query`` or ``operationName`` (or through a value that is not an
    object or array) is a malformed request.
    """
    if not isinstance(path, str):
        raise _invalid(f"Each map path must be a string; {_MULTIPART_SPEC}")
    head, *keys = path.split(".")
    if head != "variables" or not keys:
        raise _invalid(f"Map paths point into 'variables'; {_MULTIPART_SPEC}")
    target: Any = operations
    for key in [head, *keys[:-1]]:
        target = _step(target, key, path)
    last = keys[-1]
    if isinstance(target, dict):
        target[last] = upload
    elif isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = upload
    else:
        raise _invalid(f"Map path '{path[:100]}' names no variable; {_MULTIPART_SPEC}")


def _step(target: Any, key: str, path: str) -> Any:
    if isinstance(target, dict) and isinstance(target.get(key), dict | list):
        return target[key]
    if (
        isinstance(target, list)
        and key.isdigit()
        and int(key) < len(target)
        and isinstance(target[int(key)], dict | list)
    ):
        return target[int(key)]
    raise _invalid(f"Map path '{path[:100]}' names no variable; {_MULTIPART_SPEC}")


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

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.graphiql = settings.GRAPHIQL_ENABLED
        try:
            return _graphene_dispatch(self, request, *args, **kwargs)
        except RequestDataTooBig:
            return _json_error(
                413, ErrorCode.FILE_TOO_LARGE, "The request body is too large."
            )
        except SuspiciousOperation:
            return _json_error(
                400, ErrorCode.INVALID_INPUT, "The request is malformed."
            )
        except database_outage.OUTAGE_ERRORS as exc:
            database_outage.log_outage(exc, "graphql")
            response = _json_error(
                503, ErrorCode.SERVICE_UNAVAILABLE, database_outage.MESSAGE
            )
            response["Retry-After"] = database_outage.RETRY_AFTER
            return response

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.method != "POST":
            return {}  # GET reads its parameters from the query string
        content_type = self.get_content_type(request)
        if content_type == "application/json":
            return _operation_object(_json(request.body, "The body"), "The body")
        if content_type == "multipart/form-data":
            return self._parse_multipart(request)
        raise CodedHttpError(
            415,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "POST a body of type " + " or ".join(ACCEPTED_CONTENT_TYPES) + ".",
        )

    def _parse_multipart(self, request: HttpRequest) -> dict[str, Any]:
        """Apply the GraphQL multipart request spec: files land where ``map`` says."""
        if "operations" not in request.POST:
            raise _invalid(f"The 'operations' field is missing; {_MULTIPART_SPEC}")
        operations = _operation_object(
            _json(request.POST["operations"], "operations"), "operations"
        )
        file_map = _json(request.POST.get("map") or "{}", "map")
        if not isinstance(file_map, dict):
            raise _invalid(f"map must be a JSON object; {_MULTIPART_SPEC}")
        for key, paths in file_map.items():
            if key not in request.FILES:
                raise _invalid(f"map names a file that was not sent; {_MULTIPART_SPEC}")
            if not isinstance(paths, list):
                raise _invalid(f"Each map entry is a list of paths; {_MULTIPART_SPEC}")
            for path in paths:
                _place_upload(operations, path, request.FILES[key])
        return operations

    @staticmethod
    def get_graphql_params(
        request: HttpRequest, data: dict[str, Any]
    ) -> tuple[Any, Any, Any, Any]:
        """Read query, variables and operationName, refusing any of the wrong type."""
        params = request.GET if request.method == "GET" else data
        query = params.get("query")
        variables = params.get("variables")
        operation_name = params.get("operationName")
        if query is not None and not isinstance(query, str):
            raise _invalid("'query' must be a string.")
        if isinstance(variables, str):
            variables = _json(variables, "variables") if variables else None
        if variables is not None and not isinstance(variables, dict):
            raise _invalid("'variables' must be a JSON object.")
        if operation_name in ("", "null"):
            operation_name = None
        if operation_name is not None and not isinstance(operation_name, str):
            raise _invalid("'operationName' must be a string.")
        return query, variables, operation_name, params.get("id")

    def get_response(
        self, request: HttpRequest, data: dict[str, Any], show_graphiql: bool = False
    ) -> tuple[str | None, int]:
        try:
            return super().get_response(request, data, show_graphiql)
        except persisted.PersistedQueryNotFound as missing:
            # 200, as Apollo's PersistedQueryLink expects before its retry.
            return self.json_encode(request, {"errors": [missing.formatted()]}), 200

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: dict[str, Any],
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        """Resolve a persisted query, check the document (cached), execute it.

        Replaces graphene-django's version, which parses and validates without
        limits on every request; mutations stay POST-only as there (405 over GET).
        """
        query = _persisted_query(request, data, query)
        if not query:
            if show_graphiql:
                return None
            raise _invalid("Must provide a query string.")
        schema = self.schema.graphql_schema
        checked = documents.checked(schema, query, check_document)
        if isinstance(checked, list):
            return ExecutionResult(data=None, errors=checked)
        operation = get_operation_ast(checked, operation_name)
        if (
            request.method == "GET"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise CodedHttpError(
                405,
                ErrorCode.METHOD_NOT_ALLOWED,
                f"Can only perform a {operation.operation.value} operation "
                "from a POST request.",
            )
        try:
            # Every resolver is synchronous, so this is never an awaitable.
            result: ExecutionResult = execute(  # type: ignore[assignment]
                schema,
                checked,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
            )
        except database_outage.OUTAGE_ERRORS:
            raise  # dispatch answers 503
        except Exception as exc:  # rendered by format_error as INTERNAL_ERROR
            return ExecutionResult(errors=[exc])  # type: ignore[list-item]
        _raise_database_outage(result)
        return result

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
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
            internal = _internal()
            if error.path:
                internal["path"] = error.path
            return internal
        formatted: dict[str, Any] = dict(error.formatted)
        extensions = formatted.setdefault("extensions", {})
        extensions.setdefault("code", str(ErrorCode.INVALID_INPUT))
        if not settings.GRAPHQL_INTROSPECTION:
            formatted["message"] = _SUGGESTION.sub("", formatted["message"])
        return formatted


def _raise_database_outage(result: ExecutionResult) -> None:
    """Re-raise a resolver's database outage, so the answer is a 503.

    graphql-core turns every resolver exception into a located error in the
    result; left there, an unreachable database would read as a 200 with
    INTERNAL_ERROR, which tells a client nothing about retrying.
    """
    for error in result.errors or ():
        original = getattr(error, "original_error", None)
        if database_outage.is_outage(original):
            raise original  # type: ignore[misc]


def _persisted_query(
    request: HttpRequest, data: dict[str, Any], query: str | None
) -> str | None:
    """Swap an APQ hash for its document (or store the document sent with it)."""
    params = request.GET if request.method == "GET" else data
    extensions = params.get("extensions")
    if isinstance(extensions, str):
        extensions = _json(extensions, "extensions") if extensions else None
    try:
        digest = persisted.requested(extensions)
        if digest is None:
            return query
        return persisted.resolve(digest, query or None)
    except persisted.InvalidPersistedQuery as exc:
        raise _invalid(str(exc)) from exc


def _internal() -> dict[str, Any]:
    return {
        "message": DESCRIPTIONS[ErrorCode.INTERNAL_ERROR],
        "extensions": {"code": str(ErrorCode.INTERNAL_ERROR)},
    }
