"""The resident's and volunteer's side (on the phone, inside WeChat): rate an activity after it
ended (a volunteer who served, or a resident with the activity's rating link), and rate a
mutual-aid help once it is done (its requester and its helper).

The mutual-aid request page belongs to the core, which never imports this package; it offers a
hook (``app.extensions[HELP_REQUEST_LINKS]``, as the statement does for corrections) and
`install_help_links` adds our link to it.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.errors import PermissionDenied
from timebank.exchange.mutual_aid import services as mutual_aid
from timebank.exchange.mutual_aid.views import HELP_REQUEST_LINKS
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from volunteers.activities import services as activities
from volunteers.pages import volunteer_bp as bp
from volunteers.ratings import services as ratings
from volunteers.ratings.models import RaterPart
from volunteers.ratings.schemas import RatingFormSchema


def install_help_links(app) -> None:
    app.extensions.setdefault(HELP_REQUEST_LINKS, []).append(help_request_links)


def help_request_links(item) -> list[tuple[str, str]]:
    """评价 on a done request's page, for its requester and helper until they have rated."""
    if not current_user.is_authenticated or item.status not in ratings.RATEABLE_HELP \
            or ratings.help_part(current_user, item) is None \
            or ratings.existing(current_user, help_request_id=item.id) is not None:
        return []
    return [(_("Rate this help"), url_for("volunteer.rate_help", request_id=item.id))]


@bp.app_template_global()
def activity_rating_link(activity) -> str | None:
    """The 评价 link on a volunteer's activity page and history: they served, it ended, and
    they have not rated it yet."""
    if not current_user.is_authenticated or not ratings.rateable_activity(current_user, activity):
        return None
    return url_for("volunteer.rate_activity", activity_id=activity.id)


def _form(subject: str, *, action: str, part: str, done, too_early: str | None, back: str,
          volunteers=(), token: str | None = None, rate=None):
    """The rating page: the form, or a thank-you once rated, or why it cannot be rated yet;
    a POST rates through `rate` (one service call) and commits once."""
    errors, form = {}, {}
    if request.method == "POST" and done is None and too_early is None:
        form = request.form
        data, errors = load_form(RatingFormSchema())
        if data is not None:
            outcome = attempt(lambda: rate(data))
            if outcome.error is None:
                flash(_("Thank you for your rating."), "success")
                return redirect(back)
            errors = form_errors(outcome.error)
    return render_template("ratings/rate.html", subject=subject, action=action, part=part,
                           done=done, too_early=too_early, back=back, errors=errors, form=form,
                           volunteers=volunteers, token=token,
                           RaterPart=RaterPart), 422 if errors else 200


@bp.route("/activities/<int:activity_id>/rate", methods=["GET", "POST"])
@login_required
def rate_activity(activity_id: int):
    """A volunteer who served; or with ``?token=`` (the activity's rating link) a resident."""
    activity = activities.visible_activity(current_user, activity_id)
    token = request.values.get("token") or None
    part = ratings.activity_part(current_user, activity, token)
    if part is None:
        raise PermissionDenied(_("Only the volunteers who served and the residents given the "
                                 "rating link can rate this activity."))
    too_early = None
    try:
        ratings.activity_over(activity)
    except ratings.NotYet as error:
        too_early = error.message
    volunteers = ratings.served_volunteers(activity) if part == RaterPart.RESIDENT_SERVED else ()
    return _form(
        activity.title, part=part, token=token,
        action=url_for(".rate_activity", activity_id=activity.id, token=token),
        done=ratings.existing(current_user, activity_id=activity.id), too_early=too_early,
        back=url_for(".activity", activity_id=activity.id) if part == RaterPart.VOLUNTEER
        else url_for(".rate_activity", activity_id=activity.id, token=token),
        volunteers=volunteers,
        rate=lambda data: ratings.rate_activity(current_user, activity, token=token, **data))


@bp.route("/help/<int:request_id>/rate", methods=["GET", "POST"])
@login_required
def rate_help(request_id: int):
    item = mutual_aid.visible_request(current_user, request_id)
    part = ratings.help_part(current_user, item)
    if part is None:
        raise PermissionDenied(_("Only the person helped and their helper can rate this help."))
    too_early = None if item.status in ratings.RATEABLE_HELP \
        else _("You can rate this help once it is done.")
    return _form(
        item.title, part=part, action=url_for(".rate_help", request_id=item.id),
        done=ratings.existing(current_user, help_request_id=item.id), too_early=too_early,
        back=url_for("help.detail", request_id=item.id),
        rate=lambda data: ratings.rate_help(current_user, item, score=data["score"],
                                            comment=data["comment"]))
