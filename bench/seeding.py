"""Seed one app's database and mint its tokens (run inside that app's settings).

``python bench/seeding.py <kind> --users N [--refresh-tokens K] --out FILE``

``kind`` is ``project``, ``djoser`` or ``graphene``. Users are inserted in bulk
with one precomputed password hash (so seeding 50k users costs one Argon2 run);
top-ups only add what is missing. The answer (JSON in FILE) holds the bearer
tokens for the bench user and the staff user and K single-use refresh tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: The checkout under test (``run.py --project``), this one by default.
ROOT = Path(os.environ.get("BENCH_PROJECT_ROOT") or Path(__file__).parent.parent)
PASSWORD = "bench-password-Correct-Horse-42"  # noqa: S105 - seeded test data
BENCH_EMAIL = "bench@example.com"
STAFF_EMAIL = "staff@example.com"
BATCH = 5000


def _seed_users(total: int, *, username: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    existing = user_model.objects.count()
    fixed = [(BENCH_EMAIL, False), (STAFF_EMAIL, True)]
    rows = [
        (email, staff)
        for email, staff in fixed
        if not user_model.objects.filter(email=email).exists()
    ]
    rows += [
        (f"user{n}@example.com", False) for n in range(existing + len(rows), total)
    ]
    for start in range(0, len(rows), BATCH):
        batch = []
        for email, staff in rows[start : start + BATCH]:
            fields = {"email": email, "password": hashed, "is_staff": staff}
            if username:
                fields["username"] = email
            batch.append(user_model(**fields))
        user_model.objects.bulk_create(batch)


def _project(refresh_tokens: int) -> dict:
    from users.meta import RequestMeta
    from users.models import Session, User
    from users.services.sessions import open_session
    from users.tokens import issue_pair

    meta = RequestMeta(ip_address="127.0.0.1", user_agent="bench")
    bench = User.objects.get(email=BENCH_EMAIL)
    staff = User.objects.get(email=STAFF_EMAIL)
    refresh = []
    sessions = []
    now = datetime.now(UTC)
    for _ in range(refresh_tokens):
        session = Session(
            user=bench, created_at=now, last_used_at=now, ip_address="127.0.0.1"
        )
        refresh.append(issue_pair(bench, session).refresh)
        sessions.append(session)
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    return {
        "access": open_session(user=bench, meta=meta).access,
        "staff_access": open_session(user=staff, meta=meta).access,
        "refresh": refresh,
    }


def _djoser(refresh_tokens: int) -> dict:
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
    from rest_framework_simplejwt.tokens import RefreshToken

    users = get_user_model().objects
    bench = users.get(email=BENCH_EMAIL)
    staff = users.get(email=STAFF_EMAIL)
    refresh = []
    outstanding = []
    for _ in range(refresh_tokens):
        token = RefreshToken()
        token["user_id"] = bench.pk
        refresh.append(str(token))
        outstanding.append(
            OutstandingToken(
                user=bench,
                jti=token["jti"],
                token=str(token),
                created_at=datetime.now(UTC),
                expires_at=datetime.fromtimestamp(token["exp"], tz=UTC),
            )
        )
    OutstandingToken.objects.bulk_create(outstanding, batch_size=BATCH)
    return {
        "access": str(RefreshToken.for_user(bench).access_token),
        "staff_access": str(RefreshToken.for_user(staff).access_token),
        "refresh": refresh,
    }


def _graphene(refresh_tokens: int) -> dict:
    from django.contrib.auth import get_user_model
    from graphql_jwt.shortcuts import get_token

    users = get_user_model().objects
    access = get_token(users.get(email=BENCH_EMAIL))
    # django-graphql-jwt's stock refresh is stateless: one token refreshes again.
    return {
        "access": access,
        "staff_access": get_token(users.get(email=STAFF_EMAIL)),
        "refresh": [access] * min(refresh_tokens, 1),
    }


MINTERS = {"project": _project, "djoser": _djoser, "graphene": _graphene}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=sorted(MINTERS))
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--refresh-tokens", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
    import django

    django.setup()
    _seed_users(args.users, username=args.kind != "project")
    if args.out:
        answer = MINTERS[args.kind](args.refresh_tokens)
        answer["expires"] = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        args.out.write_text(json.dumps(answer))


if __name__ == "__main__":
    main()
