"""Fixtures for the GraphQL surface: a client that speaks to ``/graphql/``."""

import pytest

from tests.graphql.client import GraphQLClient, login
from users.tokens import TokenPair


@pytest.fixture
def gql(client) -> GraphQLClient:
    """An anonymous GraphQL client."""
    return GraphQLClient(client)


@pytest.fixture
def pair(user) -> TokenPair:
    return login(user)


@pytest.fixture
def auth_gql(client, pair) -> GraphQLClient:
    """A client sending ``user``'s access token."""
    return GraphQLClient(client, pair.access)


@pytest.fixture
def staff_gql(client, staff) -> GraphQLClient:
    return GraphQLClient(client, login(staff).access)
