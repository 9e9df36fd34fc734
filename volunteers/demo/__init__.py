"""The demo district: data tables and the code that seeds them."""


def init_app(app) -> None:
    from volunteers.demo import seed

    app.extensions.setdefault("timebank.demo_seeders", []).append(seed.seed)
