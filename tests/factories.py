"""factory_boy factories for the domain models."""

import factory

from users.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    email_verified = True
    password = factory.django.Password(DEFAULT_PASSWORD)


class StaffFactory(UserFactory):
    is_staff = True
