"""Queries: the caller, Relay nodes, the staff user list, the caller's sessions."""

from __future__ import annotations

import graphene
from graphene import relay
from graphene_django import DjangoConnectionField
from graphql import GraphQLError

from graphql_api.auth import current, current_user, require_staff
from graphql_api.errors import graphql_error
from graphql_api.users.types import SessionType, UserType
from users.errors import ErrorCode
from users.selectors import active_sessions, search_users


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
    users = DjangoConnectionField(
        UserType,
        search=graphene.String(
            description="Match in email or name (case-insensitive)."
        ),
        is_active=graphene.Boolean(
            description="Only active (true) or inactive (false)."
        ),
        description="Staff only: every account, oldest first.",
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
    def resolve_users(root, info, search=None, is_active=None, **kwargs):
        return search_users(
            actor=require_staff(info), search=search, is_active=is_active
        )

    @staticmethod
    def resolve_my_sessions(root, info):
        return list(active_sessions(user=current(info).user))
