"""The domain's single point for publishing emails.

Services call only these functions, from inside their transaction. Each one
defers the Celery ``.delay()`` to ``transaction.on_commit``, so a rolled-back
operation sends nothing and a worker never loads a row that is not committed yet.

The callbacks are registered ``robust=True`` and catch publishing errors
themselves: once the transaction has committed the operation has happened, and a
broker outage must not turn that success into a 500. The failure is logged at
ERROR with the email kind and user id only (the task arguments hold no secret
anyway: links are minted by the worker).

The price is that an email can be lost if the broker is down at that moment.
This module is where a transactional outbox table will slot in later: write the
row in the same transaction here, and let a relay publish it, without any
service changing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

from tasks import emails as email_tasks
from users.models import User

logger = logging.getLogger(__name__)


def _publish(kind: str, task: Task, *args: Any, user_id: int | None) -> None:
    """Enqueue ``task`` with ``args`` once the current transaction commits."""

    def enqueue() -> None:
        try:
            task.delay(*args)
        except Exception:
            # The traceback names the broker error; the arguments are not logged.
            logger.exception(
                "Could not publish the %s email for %s",
                kind,
                "an address" if user_id is None else f"user {user_id}",
            )

    enqueue.__qualname__ = f"publish_{kind}_email"
    transaction.on_commit(enqueue, robust=True)


def send_verification_email(user: User, email: str) -> None:
    """Send a verification link to ``email``: the account's, or its pending one."""
    _publish(
        "verify_email",
        email_tasks.send_verification_email,
        user.pk,
        email,
        user_id=user.pk,
    )


def send_email_change_notice(user: User, old_email: str, new_email: str) -> None:
    """Alert ``old_email`` that a change to (a masked) ``new_email`` was requested."""
    _publish(
        "email_change_notice",
        email_tasks.send_email_change_notice,
        user.pk,
        old_email,
        new_email,
        user_id=user.pk,
    )


def send_password_changed_notice(user: User) -> None:
    """Alert the account's address that its password changed."""
    _publish(
        "password_changed",
        email_tasks.send_password_changed_notice,
        user.pk,
        user_id=user.pk,
    )


def send_password_reset_email(email: str) -> None:
    """Have a worker send a reset link to ``email`` if an active account has it.

    The request publishes the same task whether or not the account exists and
    the worker does the lookup, so the request's work, timing and answer do not
    reveal which addresses have accounts.
    """
    _publish(
        "password_reset", email_tasks.send_password_reset_email, email, user_id=None
    )


def send_account_deleted_notice(email: str, name: str) -> None:
    """Confirm a deletion to the address the account had (its row is gone)."""
    _publish(
        "account_deleted",
        email_tasks.send_account_deleted_notice,
        email,
        name,
        user_id=None,
    )
