"""The station a core staff page is about (star levels, personal-data requests): the one asked
for with ``?station_id=``, the viewer's post, or the one a district administrator chose on the
station picker, which every station page keeps in the session under `CHOSEN_STATION`."""

from flask import request, session
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role
from timebank.org import services as org
from timebank.web.inputs import db_int

#: The session key of the station a district administrator chose (`volunteers.pages` too).
CHOSEN_STATION = "station_id"


def station_in_view() -> int | None:
    """``?station_id=`` (a district administrator's choice is kept for the next pages), else
    the viewer's post, else for a district administrator the station they chose; None when
    there is none."""
    asked = request.args.get("station_id", type=db_int)
    if asked is not None:
        if has_role(current_user, Role.DISTRICT_ADMIN):
            session[CHOSEN_STATION] = asked
        return asked
    own = org.station_id_of(current_user)
    if own is None and has_role(current_user, Role.DISTRICT_ADMIN):
        return session.get(CHOSEN_STATION)
    return own
