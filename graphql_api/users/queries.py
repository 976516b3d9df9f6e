"""Queries: the caller, Relay nodes, staff lists, sessions and security activity."""

from __future__ import annotations

import graphene
from django.conf import settings
from graphene import relay
from graphql import GraphQLError

from graphql_api.auth import current, current_user
from graphql_api.errors import graphql_error, service_errors_raised
from graphql_api.users.types import SecurityEventConnection, SessionType, UserType
from users.errors import ErrorCode
from users.pagination import Page, newest_first_page, oldest_first_page
from users.selectors import (
    account_security_events,
    active_sessions,
    my_security_events,
    search_users,
)


def _connection(page: Page, connection_type=SecurityEventConnection, iterable=None):
    edge = connection_type.Edge
    connection = connection_type(
        edges=[
            edge(node=item, cursor=cursor)
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ],
        page_info=relay.PageInfo(
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
        ),
    )
    connection.iterable = iterable  # what totalCount counts, if it is asked for
    return connection


def _security_event_page(info, events, **arguments) -> SecurityEventConnection:
    """Page ``events`` newest first; a bad size or cursor is INVALID_INPUT."""
    with service_errors_raised(info.context):
        page = newest_first_page(
            events,
            max_size=settings.GRAPHENE["RELAY_CONNECTION_MAX_LIMIT"],
            **arguments,
        )
    return _connection(page)


class UserQueries(graphene.ObjectType):
    me = graphene.Field(
        UserType, description="The caller (UNAUTHENTICATED when anonymous)."
    )
    node = graphene.Field(
        relay.Node,
        id=graphene.ID(required=True, description="The ID of the object"),
        description="Relay object identification: your own User and Session nodes; "
        "staff may fetch any User.",
    )
    users = relay.ConnectionField(
        UserType._meta.connection,
        search=graphene.String(
            description="Match in email or name (case-insensitive)."
        ),
        is_active=graphene.Boolean(
            description="Only active (true) or inactive (false)."
        ),
        description="Staff only: every account, oldest first. Keyset cursors: "
        "each page is one indexed query; `totalCount` costs a count of every "
        "match, so ask for it only when it is shown.",
    )
    my_security_events = relay.ConnectionField(
        SecurityEventConnection,
        description="Your account's security activity (sign-ins, revoked sessions, "
        "password and email changes...), newest first.",
    )
    security_events = relay.ConnectionField(
        SecurityEventConnection,
        user=graphene.ID(required=True, description="The account's User id."),
        description="Staff only: one account's security activity, newest first "
        "(for support).",
    )
    my_sessions = graphene.List(
        graphene.NonNull(SessionType),
        required=True,
        description="The caller's live sessions, most recently used first.",
    )

    @staticmethod
    def resolve_me(root, info):
        return current_user(info)

    @staticmethod
    def resolve_node(root, info, id: str):
        """Null for an id the caller may not see; INVALID_INPUT for a malformed one.

        graphene raises a bare ``Exception`` for an id it cannot parse or whose
        type is not a node, which would otherwise surface as an internal error.
        """
        try:
            return relay.Node.get_node_from_global_id(info, id)
        except GraphQLError:
            raise
        except Exception as exc:
            raise graphql_error(
                ErrorCode.INVALID_INPUT, "Not a valid global id."
            ) from exc

    @staticmethod
    def resolve_users(root, info, search=None, is_active=None, **paging):
        with service_errors_raised(info.context):
            users = search_users(
                actor=current_user(info), search=search, is_active=is_active
            )
            page = oldest_first_page(
                users,
                max_size=settings.GRAPHENE["RELAY_CONNECTION_MAX_LIMIT"],
                **paging,
            )
        return _connection(page, UserType._meta.connection, users)

    @staticmethod
    def resolve_my_sessions(root, info):
        return list(active_sessions(user=current(info).user))

    @staticmethod
    def resolve_my_security_events(root, info, **arguments):
        events = my_security_events(user=current_user(info))
        return _security_event_page(info, events, **arguments)

    @staticmethod
    def resolve_security_events(root, info, user, **arguments):
        actor = current_user(info)
        with service_errors_raised(info.context):
            events = account_security_events(actor=actor, user_id=user)
        return _security_event_page(info, events, **arguments)
