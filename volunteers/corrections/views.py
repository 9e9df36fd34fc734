"""The volunteer's side: ask for a record to be corrected (a small form on the phone), and
我的更正申请 (their requests and what became of them).

Links to the form sit beside each service line of the volunteer's history (the volunteers'
activities page) and beside the service lines of 我的时间, the statement of the core
(`timebank.exchange.gifts.views`). The core never imports this package, so it cannot know
which of its lines are service records or where the form is. It offers a hook instead, as it
does for a resident's home (`timebank.org.services.HOME_FINDER`): a list of callables in
``app.extensions[STATEMENT_LINE_LINKS]``, each giving the links for one line of a member's own
statement. `install_statement_links` adds ours; without this package the statement shows no
link. A template global or a context processor would also have worked, but would have put a
volunteers' name into the core's template; the hook keeps the template generic.
"""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.clock import local
from timebank.errors import NotFound
from timebank.exchange.gifts.views import STATEMENT_LINE_LINKS
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from volunteers.corrections import services as corrections
from volunteers.corrections.models import STATUS_LABELS
from volunteers.corrections.schemas import CorrectionAskSchema
from volunteers.pages import volunteer_bp as bp

PER_PAGE = 20


def install_statement_links(app) -> None:
    app.extensions.setdefault(STATEMENT_LINE_LINKS, []).append(statement_line_links)


def _my_tickets() -> dict:
    """The viewer's tickets by record, read once per request."""
    if "my_corrections" not in g:
        g.my_corrections = corrections.tickets_by_subject(current_user)
    return g.my_corrections


def record_links(subject: str, **ask_args) -> list[tuple[str, str]]:
    """For one of the viewer's records: its ticket (with its status) if they asked about it and
    it is still open, or the link to ask; a closed ticket is shown beside a new link."""
    ticket = _my_tickets().get(subject)
    links = []
    if ticket is not None:
        links.append((_("Correction: %(status)s", status=ticket.status_label),
                      url_for("volunteer.correction", correction_id=ticket.id)))
    if ticket is None or not ticket.is_open:
        links.append((_("Ask for a correction"), url_for("volunteer.ask_correction", **ask_args)))
    return links


def statement_line_links(entry) -> list[tuple[str, str]]:
    """The links beside a line of the member's own statement: only service lines get one."""
    if not current_user.is_authenticated or entry.account.owner_id != current_user.id:
        return []
    subject = corrections.subject_of_transfer(entry.transfer)
    if subject is None:
        return []
    return record_links(subject, transfer_id=entry.transfer_id)


@bp.app_template_global()
def checkin_correction_links(checkin) -> list[tuple[str, str]]:
    """The links beside a line of the volunteer's history (a check-in)."""
    if checkin.status not in corrections.CORRECTABLE_CHECKINS:
        return []
    return record_links(f"checkin:{checkin.id}", checkin_id=checkin.id)


@bp.route("/corrections/new", methods=["GET", "POST"])
@login_required
def ask_correction():
    """``?checkin_id=`` or ``?transfer_id=``: the record, and a box for the reason."""
    asked = {"checkin_id": request.values.get("checkin_id", type=db_int),
             "transfer_id": request.values.get("transfer_id", type=db_int)}
    asked = {key: value for key, value in asked.items() if value is not None}
    if len(asked) != 1:
        raise NotFound()
    record = corrections.record_for(current_user, **asked)  # 404 for another person's
    existing = corrections.open_ticket(record.subject)
    if existing is not None:
        return redirect(url_for("volunteer.correction", correction_id=existing.id))
    errors, reason = {}, ""
    if request.method == "POST":
        form = request.form.copy()
        form.update({key: str(value) for key, value in asked.items()})  # the record is in the URL
        data, errors = load_form(CorrectionAskSchema(), form)
        reason = request.form.get("reason", "")
        if data is not None:
            outcome = attempt(lambda: corrections.ask(current_user, **data))
            if outcome.error is None:
                flash(_("Your request was sent to %(station)s. They answer by %(due)s.",
                        station=outcome.result.station.name,
                        due=_due_text(outcome.result)), "success")
                return redirect(url_for("volunteer.correction", correction_id=outcome.result.id))
            errors = form_errors(outcome.error)
    return render_template("volunteer/correction_ask.html", what=corrections.describe(record),
                           asked=asked,
                           errors=errors, reason=reason,
                           days=corrections.working_days()), 422 if errors else 200


def _due_text(correction) -> str:
    return format_date(local(correction.due_at).date(), "medium")


@bp.get("/corrections")
@login_required
def my_corrections():
    page = paginate(corrections.mine_statement(current_user), PER_PAGE)
    return render_template("volunteer/corrections.html", page=page, labels=STATUS_LABELS,
                           describe=corrections.describe)


@bp.get("/corrections/<int:correction_id>")
@login_required
def correction(correction_id: int):
    ticket = corrections.visible_correction(current_user, correction_id)
    if ticket.user_id != current_user.id:
        return redirect(url_for("station.correction", correction_id=ticket.id))
    return render_template("volunteer/correction.html", ticket=ticket,
                           what=corrections.describe(ticket), overdue=corrections.days_overdue(ticket))
