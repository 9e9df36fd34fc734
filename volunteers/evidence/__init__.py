"""Evidence of the work (活动留痕): a short summary and photos per activity, with thumbnails,
and the activity's sign-in list as PDF. The district's evaluation looks at it (#19)."""


def init_app(app) -> None:
    from volunteers.evidence import api, models, station  # noqa: F401 (tables, routes)

    app.register_blueprint(api.bp)
    # Before the hooks that read the body (CSRF): photo uploads take larger bodies.
    app.before_request_funcs.setdefault(None, []).insert(0, station.allow_photo_uploads)
