from django.db import models


class Account(models.Model):
    """The project's user table, read-only: the columns a ``me`` answer shows."""

    email = models.CharField(max_length=254)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField()

    class Meta:
        managed = False
        db_table = "users_user"

    def __str__(self) -> str:
        return self.email
