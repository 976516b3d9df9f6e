"""The project's password hasher: Argon2id sized for a small server.

Django's stock ``Argon2PasswordHasher`` asks for 100 MiB and 8 lanes per check
(t=2, m=102400 KiB, p=8). On the 2-core machines this project is sized for,
8 lanes cannot run in parallel, so a check takes about 210 ms of wall time
while using ~1.6 cores, two concurrent logins share the cores and every
gunicorn worker's resident memory jumps by 100 MiB while it hashes. Here:

- ``memory_cost`` 64 MiB, ``time_cost`` 2, ``parallelism`` 1: Argon2id with
  more memory *and* more passes than either of OWASP's first two recommended
  minimums (m=19 MiB t=2 p=1, or m=46 MiB t=1 p=1; Password Storage Cheat
  Sheet), so an attacker's cost per guess stays above the floor OWASP sets,
  while one check runs on one core and two workers check two passwords at once.
- The algorithm name stays ``argon2``, so every existing hash verifies; Django's
  ``check_password`` asks the first hasher in ``PASSWORD_HASHERS`` whether a
  hash ``must_update`` (its parameters differ) and re-hashes it with these at
  the next successful login.

The measured cost (one check's time, the hash limit at two workers, the RSS a
worker gains during a login) is in ``bench/README.md``.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

#: 64 MiB, in KiB as Argon2 counts it.
MEMORY_COST_KIB = 64 * 1024
TIME_COST = 2
PARALLELISM = 1


class ProjectArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=64 MiB, t=2, p=1 (see the module docstring for why)."""

    time_cost = TIME_COST
    memory_cost = MEMORY_COST_KIB
    parallelism = PARALLELISM
