"""Queries: the caller, Relay nodes, the staff user list, the caller's sessions."""

from __future__ import annotations

import graphene
from graphene import relay
from graphene_django import DjangoConnectionField

from graphql_api.auth import current, current_user, require_staff
from graphql_api.users.types import SessionType, UserType
from users.selectors import active_sessions, search_users


class UserQueries(graphene.ObjectType):
    me = graphene.Field(
        UserType, description="The caller (UNAUTHENTICATED when anonymous)."
    )
    node = relay.Node.Field(
        description="Relay object identification: your own User and Session nodes; "
        "staff may fetch any User."
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
    def resolve_users(root, info, search=None, is_active=None, **kwargs):
        return search_users(
            actor=require_staff(info), search=search, is_active=is_active
        )

    @staticmethod
    def resolve_my_sessions(root, info):
        return list(active_sessions(user=current(info).user))
