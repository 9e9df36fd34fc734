"""Pages for one's own hours: balance and statement, and giving hours to someone else."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.exchange.gifts import services as exchange
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.schemas import GiveFormSchema
from timebank.stars import services as stars
from timebank.web import confirmations
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form
from timebank.web.pagination import paginate

bp = Blueprint("hours", __name__, url_prefix="/hours")

STATEMENT_PER_PAGE = 20
#: Where other packages add links to the lines of a member's own statement: callables in
#: ``app.extensions[STATEMENT_LINE_LINKS]``, each ``(entry) -> [(label, url), ...]``. The core
#: cannot know which lines others may act on (a volunteer asks for a service record to be
#: corrected): they say so here, and the statement shows what they give.
STATEMENT_LINE_LINKS = "timebank.statement_line_links"
#: Providers of sections shown on a member's hours page (theirs and the staff's view of it),
#: apart from the ledger: ``provider(member) -> [(template name, section)]``. Features above
#: the core (training hours) add theirs here, so this package never imports them.
HOURS_PAGE_SECTIONS = "timebank.hours_page_sections"


@bp.app_context_processor
def _statement_links() -> dict:
    def statement_line_links(entry) -> list[tuple[str, str]]:
        return [link for provider in current_app.extensions.get(STATEMENT_LINE_LINKS, ())
                for link in provider(entry)]

    def hours_page_sections(member) -> list[tuple[str, object]]:
        return [section for provider in current_app.extensions.get(HOURS_PAGE_SECTIONS, ())
                for section in provider(member)]

    return {"statement_line_links": statement_line_links,
            "hours_page_sections": hours_page_sections}


@bp.get("/")
@login_required
def mine():
    account = ledger.find_member_account(current_user)
    months = ledger_queries.monthly_totals(account) if account else []
    standing = stars.standing(current_user)
    return render_template(
        "hours/mine.html",
        totals=ledger_queries.totals(account) if account else {"balance": 0, "earned": 0, "spent": 0},
        standing=standing, served=standing.served_minutes, months=months,
        level_name=stars.level_name,
        page=paginate(ledger_queries.statement(account), STATEMENT_PER_PAGE),
    )


@bp.route("/give", methods=["GET", "POST"])
@login_required
def give():
    """Step one: say whom and how much. Shows the confirmation page when it is all valid."""
    errors = {}
    if request.method == "POST":
        data, errors = load_form(GiveFormSchema())
        if data is not None:
            minutes = data["hours"] * 60 + data["minutes"]

            def check():
                target = exchange.recipient_account(phone=data["recipient_phone"],
                                                    account_id=data["pool_id"])
                source = exchange.check_gift(current_user, target, minutes)
                exchange.check_balance(source, minutes)
                return target, source

            checked = attempt(check)  # committed: the giver's account may just have been opened
            if checked.error is not None:
                errors = form_errors(checked.error)
            else:
                target, source = checked.result
                token = confirmations.sign("give", target=target.id, minutes=minutes,
                                           memo=data["memo"])
                return render_template("hours/confirm.html", target=target, minutes=minutes,
                                       memo=data["memo"], token=token,
                                       balance=source.balance,
                                       action=url_for("hours.confirm_give"),
                                       button=_("Confirm and send"), cancel_url=url_for("hours.give"))
    return render_template("hours/give.html", errors=errors, form=request.form,
                           pools=exchange.pools())


@bp.post("/give/confirm")
@login_required
def confirm_give():
    """Step two: the signed confirmation. Pressing twice posts once (the nonce is the key)."""
    order = confirmations.load("give", request.form.get("token"))
    if order is None:
        flash(_("That confirmation has expired. Please start again."), "error")
        return redirect(url_for("hours.give"))
    target = ledger.get_account(order["target"])
    return perform(
        lambda: exchange.give(current_user, target, order["minutes"], order["memo"],
                              idempotency_key=f"give:{order['nonce']}"),
        success=lambda _transfer: _("Sent %(amount)s to %(name)s.",
                                    amount=ledger_queries.format_spending(order["minutes"]),
                                    name=target.label),
        back_to=url_for("hours.mine"), failure_to=url_for("hours.give"))
