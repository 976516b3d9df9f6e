"""Password hashers for the test suite only."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with minimal cost: the same algorithm and format, test-fast."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


class CountingArgon2PasswordHasher(FastArgon2PasswordHasher):
    """Counts hashes computed, to prove unknown accounts cost the same work."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)
