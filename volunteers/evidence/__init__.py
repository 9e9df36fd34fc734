"""Evidence of the work (活动留痕): a short summary and photos per activity, with thumbnails,
and the activity's sign-in list as PDF. The district's evaluation looks at it (#19)."""


def init_app(app) -> None:
    from volunteers.evidence import models  # noqa: F401 (tables)
