"""GraphQL types, queries and mutations of the accounts domain."""
