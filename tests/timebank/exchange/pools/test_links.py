"""The community pools are reached from the pages where people use them."""

from tests.conftest import log_in, page


def test_a_resident_reaches_the_pool_from_my_hours(app, make_user):
    client = app.test_client()
    log_in(client, make_user(name="陈晓敏"))
    assert 'href="/pools/"' in page(client, "/hours/")


def test_a_social_worker_reaches_pool_grants_from_the_station_pages(app, make_station, make_staff):
    station = make_station()
    client = app.test_client()
    log_in(client, make_staff(station))
    assert 'href="/pools/grants"' in page(client, "/station/activities")
    assert 'aria-current="page">互助池发放' in page(client, "/pools/grants")
