"""Password hashers for the test suite only."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with minimal cost: the same algorithm and format, test-fast."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
