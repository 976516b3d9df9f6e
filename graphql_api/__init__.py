"""GraphQL surface: a thin graphene layer over the ``users`` services."""
