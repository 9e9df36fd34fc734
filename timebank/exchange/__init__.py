"""The exchange of hours between people: gifts, mutual aid, community pools, partner merchants."""


def init_app(app) -> None:
    from timebank.exchange import gifts, merchants, mutual_aid, pools

    for package in (gifts, pools, merchants, mutual_aid):
        package.init_app(app)
