"""The GraphQL schema: one root per surface, domains mixed in."""

import graphene

from graphql_api.users.mfa_mutations import MfaMutations
from graphql_api.users.mutations import UserMutations
from graphql_api.users.queries import UserQueries


class Query(UserQueries, graphene.ObjectType):
    """Read operations."""


class Mutation(UserMutations, MfaMutations, graphene.ObjectType):
    """Write operations."""


schema = graphene.Schema(query=Query, mutation=Mutation)
