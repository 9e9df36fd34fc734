"""Pages for paying at partner merchants: the member's payment code (/pay), and for merchants
their items, the scanner that takes a payment, and the monthly statement."""

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, login_required, role_required
from timebank.errors import InvalidInput, ServiceError
from timebank.exchange.merchants import services as merchants
from timebank.exchange.merchants.schemas import MerchantDecisionSchema, MerchantRegisterSchema
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.web import qrcodes
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from timebank.web.schemas import BaseSchema

bp = Blueprint("pay", __name__)
merchant_bp = Blueprint("merchant", __name__, url_prefix="/merchant")


class ItemFormSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=1, max=80, error=_l("Enter a name (up to 80 characters).")))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    price_minutes = fields.Integer(required=True, validate=validate.Range(
        min=1, max=100 * 60, error=_l("The price must be between 1 minute and 100 hours.")))
    stock = fields.Integer(required=True, validate=validate.Range(
        min=0, max=100_000, error=_l("Stock cannot be negative.")))
    active = fields.Boolean(load_default=False)


# --- the member's payment code ----------------------------------------------------------------

def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/pay")
@login_required
def pay():
    """The payment QR (renewed every minute), the code to type, and the balance."""
    _token, code, expires_at = merchants.payment_code(current_user)
    account = ledger.find_member_account(current_user)
    return _no_store(Response(render_template(
        "merchant/pay.html", code=code, expires_at=expires_at,
        balance=account.balance if account else 0,
        last_payment=merchants.last_payment_id(current_user))))


@bp.get("/pay/code.svg")
@login_required
def pay_qr():
    token, _code, _expires = merchants.payment_code(current_user)
    return _no_store(Response(qrcodes.svg(token), mimetype="image/svg+xml"))


@bp.get("/pay/code.json")
@login_required
def pay_code():
    _token, code, expires_at = merchants.payment_code(current_user)
    account = ledger.find_member_account(current_user)
    return _no_store(jsonify(code=code, expires_at=expires_at.isoformat(),
                             balance=ledger_queries.format_spending(account.balance if account else 0)))


@bp.get("/pay/status.json")
@login_required
def pay_status():
    """Whether a payment was made after the one numbered ``?after=`` (the payment page asks
    every few seconds): once its code has paid, the page shows the payment and the new balance."""
    paid = merchants.payment_after(current_user, request.args.get("after", 0, type=db_int) or 0)
    if paid is None:
        return _no_store(jsonify(paid=False))
    account = ledger.find_member_account(current_user)
    amount = ledger_queries.format_spending(paid.minutes)
    shop = merchants.shop_name(paid.merchant)
    return _no_store(jsonify(
        paid=True, id=paid.id, minutes=paid.minutes, amount=amount, merchant=shop,
        item=paid.item.name, balance=ledger_queries.format_spending(account.balance if account else 0),
        message=_("Paid %(amount)s to %(merchant)s", amount=amount, merchant=shop)))


# --- the merchant's pages ---------------------------------------------------------------------

def _items_page(errors=None, form=None, status=200, editing=None):
    return render_template("merchant/items.html", items=merchants.items_of(current_user),
                           errors=errors or {}, form=form or {}, editing=editing), status


@merchant_bp.get("/")
@role_required(Role.MERCHANT)
def items():
    return _items_page()


@merchant_bp.post("/items")
@role_required(Role.MERCHANT)
def create_item():
    data, errors = load_form(ItemFormSchema())
    if data is None:
        return _items_page(errors, request.form, 422)
    data["active"] = True
    item = merchants.create_item(current_user, data)
    db.session.commit()
    flash(_("Added %(item)s.", item=item.name), "success")
    return redirect(url_for("merchant.items"))


@merchant_bp.post("/items/<int:item_id>")
@role_required(Role.MERCHANT)
def update_item(item_id: int):
    item = merchants.get_item(current_user, item_id)
    data, errors = load_form(ItemFormSchema())
    if data is None:
        return _items_page(errors, request.form, 422, editing=item.id)
    merchants.update_item(item, current_user, data)
    db.session.commit()
    flash(_("Saved %(item)s.", item=item.name), "success")
    return redirect(url_for("merchant.items"))


@merchant_bp.route("/scan", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def scan():
    """Scan (or type) the member's code; then choose the item and confirm."""
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()
        try:
            member, _nonce = merchants.read_payment_code(code, by=current_user)
        except ServiceError as error:
            flash(error.message, "error")
            return render_template("merchant/scan.html"), error.status
        return render_template("merchant/choose.html", code=code, member=member,
                               items=merchants.items_of(current_user, active_only=True))
    return render_template("merchant/scan.html")


@merchant_bp.post("/redeem")
@role_required(Role.MERCHANT)
def redeem():
    def pay():
        item = merchants.get_item(current_user, request.form.get("item_id", type=db_int) or 0)
        return merchants.redeem(current_user, request.form.get("code", ""), item)

    paid = attempt(pay)
    if paid.error is not None:
        return render_template("merchant/refused.html", error=paid.error), paid.error.status
    return render_template("merchant/paid.html", redemption=paid.result)


@merchant_bp.get("/statement")
@role_required(Role.MERCHANT)
def statement():
    try:
        year, month = merchants.parse_month(request.args.get("month"))
    except InvalidInput:
        year, month = merchants.parse_month(None)
    return render_template("merchant/statement.html",
                           statement=merchants.monthly_statement(current_user, year, month))


# --- the administration: /admin/merchants ------------------------------------------------------

admin_bp = Blueprint("merchant_admin", __name__, url_prefix="/admin/merchants")

ADMIN_PER_PAGE = 30


def _admin_page(errors=None, form=None, status=200):
    filters = {key: value for key, value in (("q", request.args.get("q", "")[:40]),
                                             ("status", request.args.get("status", ""))) if value}
    page = paginate(merchants.merchants_statement(current_user, filters.get("q", ""),
                                                  filters.get("status", "")), ADMIN_PER_PAGE)
    return render_template("admin/merchants.html", page=page, filters=filters,
                           errors=errors or {}, form=form or {},
                           statuses=merchants.STATUS_LABELS,
                           stations=users.stations_to_post_at(current_user)), status


@admin_bp.get("/")
@role_required(Role.STATION_MANAGER)
def admin_index():
    return _admin_page()


@admin_bp.post("/")
@role_required(Role.STATION_MANAGER)
def register():
    data, errors = load_form(MerchantRegisterSchema())
    if data is None:
        return _admin_page(errors, request.form, 422)
    outcome = attempt(lambda: merchants.register_merchant(data, by=current_user))
    if outcome.error is not None:
        return _admin_page(form_errors(outcome.error), request.form, outcome.error.status)
    user, generated = outcome.result
    flash(_("Registered %(shop)s; it can take payments once a district administrator approves "
            "it.", shop=data["shop_name"]), "success")
    if generated is None:
        return redirect(url_for("merchant_admin.admin_index"))
    # Shown this once, on this page (never in a flash: the session cookie is only signed).
    return render_template("admin/staff/created.html", user=user, password=generated,
                           next_url=url_for("merchant_admin.admin_index"),
                           next_label=_("Partner merchants"))


def _decision(merchant_id: int, decide, success):
    profile = merchants.visible_profile(current_user, merchant_id)
    data, errors = load_form(MerchantDecisionSchema())
    reason = (data or {}).get("reason")
    return perform(lambda: decide(profile, by=current_user, reason=reason),
                   success=success(profile),
                   back_to=url_for("merchant_admin.admin_index", **request.args),
                   say=messages_of)


@admin_bp.post("/<int:merchant_id>/approve")
@role_required(Role.STATION_MANAGER)
def approve(merchant_id: int):
    return _decision(merchant_id, merchants.approve_merchant,
                     lambda profile: _("Approved %(shop)s.", shop=profile.shop_name))


@admin_bp.post("/<int:merchant_id>/suspend")
@role_required(Role.STATION_MANAGER)
def suspend(merchant_id: int):
    return _decision(merchant_id, merchants.suspend_merchant,
                     lambda profile: _("Suspended %(shop)s.", shop=profile.shop_name))


@admin_bp.post("/<int:merchant_id>/reinstate")
@role_required(Role.STATION_MANAGER)
def reinstate(merchant_id: int):
    return _decision(merchant_id, merchants.reinstate_merchant,
                     lambda profile: _("Reinstated %(shop)s.", shop=profile.shop_name))
