"""Bodies declaring more than any endpoint accepts are refused before reading."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.rest.utils import client_for, login

pytestmark = pytest.mark.django_db

SIX_MB_AND_A_BIT = 6 * 1024 * 1024 + 1


class ExplodingStream(io.RawIOBase):
    """A body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = read


@pytest.mark.parametrize("path", ["/graphql/", "/api/v1/users/me/avatar/"])
def test_a_declared_oversized_upload_is_413_without_reading_the_body(client, path):
    response = client.generic(
        "POST" if path == "/graphql/" else "PUT",
        path,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(SIX_MB_AND_A_BIT),
        **{"wsgi.input": ExplodingStream()},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "FILE_TOO_LARGE"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_non_numeric_content_length_is_a_400(client):
    response = client.generic(
        "POST", "/graphql/", data=b"", content_type="application/json",
        CONTENT_LENGTH="lots",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "INVALID_INPUT"


def test_an_avatar_just_over_5mb_still_reaches_the_service(user):
    """Between 5 MB and the 6 MB ceiling the service's own check answers."""
    api = client_for(login(user).access)
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    data = out.getvalue() + b"\0" * (5 * 1024 * 1024)  # trailing bytes: 5 MB+
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    response = api.put(
        "/api/v1/users/me/avatar/", {"avatar": upload}, format="multipart"
    )
    assert response.status_code in {400, 413}
    assert response.json()["errors"][0]["code"] == "FILE_TOO_LARGE"
