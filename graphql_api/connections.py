"""A Relay connection field that checks who asks before it checks the page size.

graphene-django's ``DjangoConnectionField`` asserts on its paging arguments
before the field's resolver runs, so ``users(first: 1000000)`` was an
``AssertionError`` (``INTERNAL_ERROR``) even for a caller who may not use the
field at all. Here the permission check comes first (``FORBIDDEN`` /
``UNAUTHENTICATED``), then the arguments are checked (``INVALID_INPUT``), and
only then does graphene-django run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphene_django import DjangoConnectionField

from graphql_api.errors import graphql_error
from users.errors import ErrorCode


class GuardedConnectionField(DjangoConnectionField):
    def __init__(
        self, *args: Any, authorize: Callable[[Any], object], **kwargs: Any
    ) -> None:
        self.authorize = authorize
        super().__init__(*args, **kwargs)

    def wrap_resolve(self, parent_resolver: Any) -> Callable[..., Any]:
        resolve = super().wrap_resolve(parent_resolver)

        def guarded(root: Any, info: Any, **args: Any) -> Any:
            self.authorize(info)
            check_page_arguments(args, max_limit=self.max_limit)
            return resolve(root, info, **args)

        return guarded


def check_page_arguments(args: dict[str, Any], *, max_limit: int | None) -> None:
    """Refuse paging arguments graphene-django would assert on, as INVALID_INPUT."""
    for name in ("first", "last"):
        value = args.get(name)
        if value is None:
            continue
        if value < 0 or (max_limit is not None and value > max_limit):
            raise graphql_error(
                ErrorCode.INVALID_INPUT,
                f"'{name}' must be between 0 and {max_limit} (one page at most).",
            )
    offset = args.get("offset")
    if offset is not None and offset < 0:
        raise graphql_error(ErrorCode.INVALID_INPUT, "'offset' must not be negative.")
    if offset is not None and args.get("before") is not None:
        raise graphql_error(
            ErrorCode.INVALID_INPUT, "Use either 'offset' or 'before', not both."
        )
