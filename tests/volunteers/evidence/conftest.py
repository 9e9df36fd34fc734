"""Images made with Pillow for the evidence tests, and a station with staff and an activity;
evidence files go to the test's own `tmp_path`."""

import io

import pytest
from PIL import Image

from timebank.accounts.permissions import Role


def image_bytes(size=(800, 600), fmt="JPEG", color=(200, 60, 40), exif=None, mode="RGB") -> bytes:
    """An image drawn with Pillow: the left half `color`, the right half blue, so a rotation
    shows in where the colours are."""
    image = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
    right = Image.new(mode, (size[0] // 2, size[1]), (30, 60, 200) if mode == "RGB"
                      else (30, 60, 200, 255))
    image.paste(right, (size[0] - size[0] // 2, 0))
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def phone_exif(orientation: int = 6) -> Image.Exif:
    """EXIF as a phone writes it: an orientation, a camera, and where the photo was taken."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (22.0, 47.0, 30.0), 3: "E", 4: (113.0, 36.0, 10.0)}
    return exif


@pytest.fixture
def evidence_dir(app, tmp_path):
    folder = tmp_path / "evidence"
    app.config["EVIDENCE_DIR"] = str(folder)
    return folder


@pytest.fixture
def station(make_station):
    return make_station()


@pytest.fixture
def worker(make_staff, station):
    return make_staff(station, name="甲站社工")


@pytest.fixture
def activity(make_activity, station, worker):
    return make_activity(station, worker, title="长者义剪", place="社区活动室",
                         person_in_charge="陈社工", allow_walk_ins=True)


@pytest.fixture
def other_worker(make_station, make_staff):
    return make_staff(make_station(), name="乙站社工")


@pytest.fixture
def district_admin(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")
