import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from users import services
from users.errors import ErrorCode, ServiceError

pytestmark = pytest.mark.django_db


def _image(fmt: str, size=(64, 48), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(
        out, fmt, **save
    )
    return out.getvalue()


def _upload(data: bytes, name="avatar.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _stored(user) -> Image.Image:
    user.avatar.open("rb")
    try:
        image = Image.open(io.BytesIO(user.avatar.read()))
        image.load()
        return image
    finally:
        user.avatar.close()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_are_accepted_and_stored_as_webp(user, fmt):
    services.set_avatar(user=user, upload=_upload(_image(fmt)))
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/")
    assert user.avatar.name.endswith(".webp")
    assert _stored(user).format == "WEBP"


def test_the_stored_name_is_random_and_ignores_the_uploaded_name(user):
    services.set_avatar(
        user=user, upload=_upload(_image("PNG"), name="../../etc/passwd.png")
    )
    assert "passwd" not in user.avatar.name
    assert ".." not in user.avatar.name


def test_metadata_is_stripped_and_orientation_applied(user):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    data = _image("JPEG", size=(80, 40), exif=exif.tobytes())
    services.set_avatar(user=user, upload=_upload(data, "p.jpg", "image/jpeg"))
    stored = _stored(user)
    assert stored.size == (40, 80)
    assert not stored.getexif()
    assert "icc_profile" not in stored.info


def test_large_images_are_downscaled_to_512_px(user):
    services.set_avatar(user=user, upload=_upload(_image("PNG", size=(2000, 1000))))
    assert _stored(user).size == (512, 256)


def test_transparency_is_kept(user):
    services.set_avatar(user=user, upload=_upload(_image("PNG", mode="RGBA")))
    assert _stored(user).mode == "RGBA"


def test_replacing_the_avatar_deletes_the_old_file_after_commit(
    user, django_capture_on_commit_callbacks
):
    services.set_avatar(user=user, upload=_upload(_image("PNG")))
    old_name = user.avatar.name
    storage = user.avatar.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.set_avatar(user=user, upload=_upload(_image("JPEG")))
    assert not storage.exists(old_name)
    assert storage.exists(user.avatar.name)


def _rejected(user, data: bytes, name="x.png") -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        services.set_avatar(user=user, upload=_upload(data, name))
    assert excinfo.value.field == "avatar"
    return excinfo.value


def test_a_file_over_the_size_limit_is_too_large(user, settings):
    settings.AVATAR_MAX_BYTES = 1000
    error = _rejected(user, _image("PNG", size=(400, 400), mode="RGB") + b"\0" * 2000)
    assert error.code == ErrorCode.FILE_TOO_LARGE


def test_an_image_wider_than_4096_px_is_invalid(user):
    assert (
        _rejected(user, _image("PNG", size=(5000, 10))).code == ErrorCode.FILE_INVALID
    )


def test_a_decompression_bomb_is_refused_before_decoding(user):
    bomb = io.BytesIO()
    Image.new("1", (30000, 30000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 5 * 1024 * 1024
    assert _rejected(user, bomb.getvalue()).code == ErrorCode.FILE_INVALID


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_image("GIF"), "a.gif"),
        (_image("BMP"), "a.bmp"),
        (_image("TIFF"), "a.tiff"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.svg"),
        (b"just some text pretending to be an image", "a.png"),
        (b"", "a.png"),
        (_image("JPEG")[:200], "truncated.jpg"),
    ],
    ids=["gif", "bmp", "tiff", "svg", "text", "empty", "truncated-jpeg"],
)
def test_files_that_are_not_acceptable_images_are_invalid(user, data, name):
    assert _rejected(user, data, name).code == ErrorCode.FILE_INVALID


def test_an_animated_webp_is_invalid(user):
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100)
    assert _rejected(user, out.getvalue()).code == ErrorCode.FILE_INVALID


def test_a_rejected_upload_leaves_the_previous_avatar_in_place(user):
    services.set_avatar(user=user, upload=_upload(_image("PNG")))
    before = user.avatar.name
    _rejected(user, b"not an image")
    user.refresh_from_db()
    assert user.avatar.name == before
    assert user.avatar.storage.exists(before)


def test_delete_avatar_removes_the_file_and_is_idempotent(
    user, django_capture_on_commit_callbacks
):
    services.set_avatar(user=user, upload=_upload(_image("PNG")))
    name, storage = user.avatar.name, user.avatar.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_avatar(user=user)
    user.refresh_from_db()
    assert not user.avatar
    assert not storage.exists(name)
    services.delete_avatar(user=user)
