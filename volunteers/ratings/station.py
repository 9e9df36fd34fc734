"""The station's side: the ratings with their comments and the averages per activity, theme and
volunteer (服务评价), the average and the residents' rating link (a QR code to show at the end)
on the staff activity page, and the form to enter a resident's rating given by phone (代录)."""

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.web import qrcodes
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.pagination import paginate
from volunteers.activities import services as activities
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.ratings import services as ratings
from volunteers.ratings.schemas import OnBehalfFormSchema, RatingQuerySchema

PER_PAGE = 30


def rating_link(activity) -> str:
    """The absolute URL of the activity's resident rating link (PUBLIC_BASE_URL behind a
    proxy, else this host)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for("volunteer.rate_activity", activity_id=activity.id,
                                      token=ratings.rating_token(activity))


@bp.app_template_global()
def activity_ratings(activity) -> dict:
    """What the staff activity page shows of ratings: the average and count, the latest
    ratings, the volunteers who served (to name one) and the residents' rating link."""
    return {"average": ratings.average_of("activity", activity_id=activity.id),
            "latest": list(db.session.scalars(
                ratings.ratings_statement(activity.station_id, activity_id=activity.id)
                .limit(10))),
            "volunteers": ratings.served_volunteers(activity),
            "link": rating_link(activity), "average_text": ratings.average_text}


@bp.get("/ratings")
@role_required(Role.SOCIAL_WORKER)
def ratings_list():
    station = my_station()
    query, errors = load_form(RatingQuerySchema(), request.args)
    if query is None:
        query = {}
    narrowing = {name: query.get(name) for name in ("activity_id", "theme_id", "volunteer_id")}
    page = paginate(ratings.ratings_statement(station.id, **narrowing), PER_PAGE)
    averages = {by: ratings.averages(by, station_id=station.id, **narrowing)
                for by in ("activity", "theme", "volunteer")}
    overall = ratings.average_of("station", station_id=station.id, **narrowing)
    return render_template(
        "ratings/station_list.html", station=station, page=page, query=narrowing, errors=errors,
        averages=averages, overall=overall, average_text=ratings.average_text,
        pager_args={name: value for name, value in narrowing.items() if value is not None},
        theme_choices=[(row.key, row.label) for row in averages["theme"]],
        activity_choices=[(row.key, row.label) for row in averages["activity"]],
        volunteer_choices=[(row.key, row.label) for row in averages["volunteer"]],
    ), 422 if errors else 200


@bp.post("/activities/<int:activity_id>/ratings")
@role_required(Role.SOCIAL_WORKER)
def enter_rating(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    back = url_for(".activity_detail", activity_id=activity.id) + "#ratings"
    data = load_form_or_flash(OnBehalfFormSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: ratings.enter_on_behalf(current_user, activity, **data),
                   success=_("The rating is entered (marked as entered on the resident's "
                             "behalf)."), back_to=back, say=messages_of)


@bp.get("/activities/<int:activity_id>/rating-code.svg")
@role_required(Role.SOCIAL_WORKER)
def rating_code(activity_id: int):
    """The QR code of the residents' rating link, to show at the end of the activity."""
    activity = activities.station_activity(current_user, activity_id)
    response = Response(qrcodes.svg(rating_link(activity)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response

