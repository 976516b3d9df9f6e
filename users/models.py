"""Account and session models."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from users.email_address import (
    InvalidEmailAddress,
    canonical_email,
    canonical_email_or_none,
)
from users.search_text import fold


def normalize_email(email: str) -> str:
    """Return the canonical spelling of an address (``users.email_address``).

    Raises ``InvalidEmailAddress`` (a ``ValueError``) for text that is not an
    address this service accepts; lookups use ``UserManager.by_email``, which
    finds nothing for such text instead.
    """
    return canonical_email(email or "")


def validate_canonical_email(value: str) -> None:
    """Refuse an address without a canonical spelling (a model field validator).

    On the email columns, so the Django admin's forms and ``createsuperuser``
    (which clean the model field) refuse look-alikes as the API does.
    """
    try:
        canonical_email(value)
    except InvalidEmailAddress as exc:
        raise ValidationError(str(exc), code="invalid") from exc


class CanonicalEmailField(models.EmailField):
    """An email column that only ever stores the canonical spelling.

    Every ``save()`` and ``bulk_create()`` that writes the column goes through
    ``pre_save``, which canonicalises the value (and refuses, loudly, one that
    has no canonical spelling). So the plain unique index on the column is the
    case-insensitive, look-alike-proof uniqueness check, the same on SQLite
    and PostgreSQL. ``QuerySet.update()`` skips ``pre_save``: callers pass a
    canonical value (``normalize_email``).
    """

    default_validators = [validate_email, validate_canonical_email]

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value:
            value = canonical_email(value)
            setattr(model_instance, self.attname, value)
        return value


class FoldedTextField(models.TextField):
    """A search column holding ``users.search_text.fold`` of another field.

    ``pre_save`` writes it from ``source`` on every ``save()`` and
    ``bulk_create()``; ``User.save`` adds it to ``update_fields`` whenever the
    source is there. So a plain ``contains`` on it with a folded term matches
    the same rows on SQLite and PostgreSQL, whose own case folding differ.
    ``QuerySet.update()`` of the source skips it (nothing in the project does).
    """

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = fold(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        """Look up by the canonical email, as logins do (any case, IDN or not)."""
        email = canonical_email_or_none(username)
        if email is None:
            raise self.model.DoesNotExist("No user has that email address.")
        return self.get(email=email)

    def by_email(self, email: object) -> "models.QuerySet[User]":
        """Filter on the canonical email through the column's unique index.

        Text that is not a valid address matches nothing, whatever a row holds.
        """
        canonical = canonical_email_or_none(email)
        if canonical is None:
            return self.none()
        return self.filter(email=canonical)

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password", "email"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        """Create an active, unprivileged user (no password: unusable password)."""
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("email_verified", True)
        if not (fields["is_staff"] and fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser")
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]  # django-otp devices
    """An account: the email is the login, stored in its one canonical spelling."""

    # Canonical (users.email_address): lower-case ASCII, so the plain unique
    # index is case-insensitive and look-alike-proof on every database.
    email = CanonicalEmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    # What staff search compares (users.search_text): the name, case-folded.
    name_folded = FoldedTextField(source="name")
    bio = models.TextField(max_length=2000, blank=True)
    location = models.CharField(max_length=120, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    email_verified = models.BooleanField(default=False)
    # A requested new address; becomes ``email`` once verified through a link.
    pending_email = CanonicalEmailField(max_length=254, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped whenever every outstanding token must die at once (password change
    # or reset, deactivation). Carried in each token and compared on load.
    token_version = models.PositiveIntegerField(default=0)
    # Whether a confirmed TOTP device exists: kept in step with the devices by
    # users.mfa_models' signals, so a login or `me` needs no extra query.
    mfa_enabled = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email

    # --- Credentials die with every change of the password or of is_active ---
    #
    # The rule lives in the model, not in the services or the admin, because
    # every path that changes a password ends in ``save()``: the services, the
    # admin's forms, ``manage.py changepassword``/``createsuperuser``, a shell's
    # ``set_password()`` + ``save()``. A signal would do the same work but is
    # easier to bypass and to forget in a test; a service-only rule is what let
    # the admin keep stolen tokens alive. ``QuerySet.update()`` bypasses
    # ``save()``: code that changes these columns in bulk must call
    # ``users.services.revoke_all_sessions`` itself (nothing in the project does).

    _CREDENTIAL_FIELDS: tuple[str, ...] = ("password", "is_active")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_credentials()
        return instance

    def _remember_credentials(self, written=None) -> None:
        saved = dict(getattr(self, "_saved_credentials", {}))
        for name in self._CREDENTIAL_FIELDS:
            if written is None or name in written:
                saved[name] = self.__dict__.get(name)
        self._saved_credentials = saved

    def _credentials_changed(self, update_fields) -> bool:
        saved = getattr(self, "_saved_credentials", None)
        if saved is None or self.pk is None or self._state.adding:
            return False
        names = self._CREDENTIAL_FIELDS
        if update_fields is not None:
            names = tuple(n for n in names if n in set(update_fields))
        # A field deferred at load time (None here) is unknown, not changed.
        return any(
            saved.get(name) is not None
            and name in self.__dict__
            and self.__dict__[name] != saved[name]
            for name in names
        )

    def save(self, *args, **kwargs):
        """Save; if the password hash or ``is_active`` changed, kill every token.

        Reactivating an account does not revive the sessions its deactivation
        ended: both directions bump ``token_version`` and revoke the sessions.
        """
        written = kwargs.get("update_fields")
        if written is not None and "name" in written and "name_folded" not in written:
            written = kwargs["update_fields"] = [*written, "name_folded"]
        changed = self._credentials_changed(written)
        super().save(*args, **kwargs)
        if changed:
            self.revoke_credentials()
        self._remember_credentials(None if written is None else set(written))

    def revoke_credentials(self) -> int:
        """Invalidate every outstanding token and session of the account at once.

        Bumping ``token_version`` kills access tokens even of sessions created
        concurrently from an older token, and every pending password-reset link.
        """
        User.objects.filter(pk=self.pk).update(token_version=F("token_version") + 1)
        self.token_version = (
            User.objects.filter(pk=self.pk)
            .values_list("token_version", flat=True)
            .first()
            or 0
        )
        return Session.objects.filter(user_id=self.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )

    # A Django (admin) session is bound to the password and the token version,
    # so whatever kills the account's tokens (revoke all sessions, a cancelled
    # email change, deactivation) also ends its admin sessions.
    _SESSION_HASH_SALT = "users.User.session_auth_hash"

    def _session_hash(self, secret: str | bytes | None) -> str:
        return salted_hmac(
            self._SESSION_HASH_SALT,
            f"{self.password}:{self.token_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def clean(self) -> None:
        super().clean()
        for name in ("email", "pending_email"):
            value = getattr(self, name)
            if value:
                # An invalid one is reported by the field's validator already.
                setattr(self, name, canonical_email_or_none(value) or value)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class Session(models.Model):
    """One login: the chain of refresh tokens that descends from it.

    Only the newest refresh token (``refresh_jti``) buys a new pair. The one it
    replaced (``previous_refresh_jti``) is still answered, with the current
    pair, for ``REFRESH_TOKEN_REUSE_INTERVAL`` after the rotation (two tabs
    racing one refresh); any other older token of the chain, or that one later,
    means it was stolen, and the whole session is revoked. The session ends
    ``SESSION_ABSOLUTE_LIFETIME`` after ``created_at`` however often it is used.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    refresh_jti = models.CharField(max_length=64)
    # When the current refresh token was issued (its ``iat``), which starts the
    # reuse interval of the token it replaced.
    refresh_issued_at = models.DateTimeField(null=True, blank=True)
    previous_refresh_jti = models.CharField(max_length=64, blank=True, default="")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_used_at"]
        indexes = [
            models.Index(
                fields=["user", "-last_used_at"],
                name="users_session_active_idx",
                condition=models.Q(revoked_at__isnull=True),
            ),
            # The retention purge (users/retention.py) finds ended sessions by these.
            models.Index(fields=["expires_at"], name="users_session_expires_idx"),
            models.Index(
                fields=["revoked_at"],
                name="users_session_revoked_idx",
                condition=models.Q(revoked_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.id} of user {self.user_id}"

    @property
    def ends_at(self) -> datetime:
        """When the session ends whatever its refreshes: its absolute lifetime."""
        return self.created_at + settings.SESSION_ABSOLUTE_LIFETIME

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.ends_at > now


class UsedActionLink(models.Model):
    """A consumed single-use account-action link (see ``users.action_links``).

    Rows only need to outlive the link they stand for; ``expires_at`` says
    when one may be purged.
    """

    nonce = models.CharField(max_length=64, primary_key=True)
    action = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.action} link used by user {self.user_id}"


class SecurityEventKind(models.TextChoices):
    """What happened to an account: the one vocabulary of both surfaces' feeds.

    GraphQL's ``SecurityEventKind`` enum and REST's ``kind`` choices are built
    from this class, so a kind cannot exist on one surface only.
    """

    LOGIN = "LOGIN", "Signed in from a known device"
    LOGIN_FAILED = "LOGIN_FAILED", "A sign-in failed"
    NEW_DEVICE_LOGIN = "NEW_DEVICE_LOGIN", "Signed in from a new device"
    LOGOUT = "LOGOUT", "Signed out"
    TOKEN_REUSE_DETECTED = (
        "TOKEN_REUSE_DETECTED",
        "A retired refresh token was presented; its session was revoked",
    )
    SESSION_REVOKED = "SESSION_REVOKED", "A session was revoked"
    OTHER_SESSIONS_REVOKED = "OTHER_SESSIONS_REVOKED", "Every other session was revoked"
    PASSWORD_CHANGED = "PASSWORD_CHANGED", "The password was changed"
    PASSWORD_RESET = "PASSWORD_RESET", "The password was reset through an emailed link"
    EMAIL_CHANGE_REQUESTED = (
        "EMAIL_CHANGE_REQUESTED",
        "A change of the email address was requested",
    )
    EMAIL_CHANGE_CANCELLED = (
        "EMAIL_CHANGE_CANCELLED",
        "A pending email change was cancelled",
    )
    EMAIL_CHANGED = "EMAIL_CHANGED", "The email address was changed"
    MFA_ENABLED = "MFA_ENABLED", "Two-factor authentication was turned on"
    MFA_DISABLED = "MFA_DISABLED", "Two-factor authentication was turned off"
    RECOVERY_CODES_REGENERATED = (
        "RECOVERY_CODES_REGENERATED",
        "New recovery codes were generated",
    )
    RECOVERY_CODE_USED = "RECOVERY_CODE_USED", "A recovery code was used to sign in"
    UNRECOGNIZED_LOGIN_REPORTED = (
        "UNRECOGNIZED_LOGIN_REPORTED",
        "A sign-in was reported as not the owner's; every session was revoked",
    )


class SecurityEvent(models.Model):
    """One entry of an account's security activity, written by the services.

    Holds what the owner needs to recognise (or not) what happened, and nothing
    secret: no token, link, password or code. ``user`` is null only for a failed
    login on an address without an account, which is written exactly like one
    with an account so that neither the work nor the timing tells them apart
    (see ``users.events``). ``session_id`` is not a foreign key: an event outlives
    the session rows that the clean-up purges, and the id stays meaningful.
    """

    # No database constraint: its check (a key-share lock on the user row) would
    # run for a known address's failed login and not for an unknown one's, a
    # measurable ~0.1 ms. The ORM still cascades a user's deletion to its events.
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="security_events",
        null=True,
        blank=True,
        db_constraint=False,
    )
    kind = models.CharField(max_length=32, choices=SecurityEventKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    session_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The feed: one account's events, newest first, paged by keyset.
            models.Index(
                fields=["user", "-created_at", "-id"], name="users_secevent_feed_idx"
            ),
            # The retention purge walks the oldest rows.
            models.Index(fields=["created_at"], name="users_secevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id} at {self.created_at:%Y-%m-%d}"


class OutboxMessage(models.Model):
    """A message the domain owes someone (an email today), written with its cause.

    A service inserts the row in the same transaction as the change that causes
    it, so the message exists if and only if the change committed. ``tasks/``
    delivers rows; a row is done only when a worker has delivered it, which is
    what lets the relay re-publish anything a broker lost. ``key`` is the
    idempotency key checked, under a row lock, at delivery.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        # The handler found the message no longer applies (account gone, address
        # changed); nothing was sent, and nothing ever will be.
        SKIPPED = "skipped", "skipped"
        # Delivery gave up; the row stays for inspection and a manual retry.
        FAILED = "failed", "failed"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64)
    # Plain values only (ids, addresses): never a token or a link, which the
    # worker mints at delivery time.
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the relay should (re-)publish the row if it is still pending.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The class of the last failure and a short reason; no message content.
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="users_outbox_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["created_at"],
                name="users_outbox_backlog_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["status", "finished_at"], name="users_outbox_done_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} message {self.pk} ({self.status})"


# Second-factor models live in their own module; imported here so Django finds them.
from users.mfa_models import (  # noqa: E402
    MfaChallenge,
    RecoveryCode,
    RecoveryCodeDevice,
    TOTPDevice,
)

__all__ = [
    "MfaChallenge",
    "OutboxMessage",
    "RecoveryCode",
    "RecoveryCodeDevice",
    "SecurityEvent",
    "SecurityEventKind",
    "Session",
    "TOTPDevice",
    "UsedActionLink",
    "User",
    "UserManager",
    "normalize_email",
]
