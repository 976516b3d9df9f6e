"""Real PostgreSQL and Redis servers for the test suite."""
