"""The exchange of hours between people: giving to a member or a pool, paying a merchant.

Every movement goes through `ledger.post_transfer`; this module only decides who may send
what to whom.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from timebank.accounts.models import User
from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, TransferKind

#: Kinds of account a member may send hours to, and the kind of transfer that makes.
RECEIVING_KINDS = {
    AccountKind.MEMBER: TransferKind.DONATE,
    AccountKind.POOL: TransferKind.DONATE,
    AccountKind.MERCHANT: TransferKind.SPEND,
}
MAX_GIFT_MINUTES = 100 * 60


def pools() -> list[Account]:
    return list(db.session.scalars(
        select(Account).where(Account.kind == AccountKind.POOL).order_by(Account.name)))


def recipient_account(*, user_id: int | None = None, account_id: int | None = None,
                      phone: str | None = None) -> Account:
    """The account hours would go to, named by user id, phone or account id."""
    if user_id is not None or phone is not None:
        user = db.session.get(User, user_id) if user_id is not None else \
            db.session.scalar(select(User).where(User.phone == phone))
        if user is None or not user.is_active:
            field = "to_user_id" if user_id is not None else "recipient_phone"
            raise NotFound(_("No member has that phone number.") if phone else
                           _("There is no such member."), code="recipient_not_found",
                           fields={field: [_("There is no such member.")]})
        return ledger.member_account(user)
    account = db.session.get(Account, account_id) if account_id is not None else None
    if account is None:
        raise NotFound(_("There is no such account."), code="recipient_not_found",
                       fields={"to_account_id": [_("There is no such account.")]})
    return account


def check_gift(giver: User, target: Account, minutes: int) -> Account:
    """Raise if `giver` may not send `minutes` to `target`; return the giver's account."""
    source = ledger.member_account(giver)
    if target.kind not in RECEIVING_KINDS:
        raise InvalidInput(fields={"to_account_id": [_("Hours cannot be sent to this account.")]})
    if target.id == source.id:
        raise InvalidInput(fields={"to": [_("You cannot send hours to yourself.")]})
    if not 0 < minutes <= MAX_GIFT_MINUTES:
        raise InvalidInput(fields={"minutes": [
            _("Send between 1 minute and %(hours)d hours at a time.", hours=MAX_GIFT_MINUTES // 60)]})
    return source


def check_balance(source: Account, minutes: int) -> None:
    """Tell the person filling in a form early; `post_transfer` decides for real, under lock."""
    floor = source.min_balance or 0
    if source.balance - minutes < floor:
        raise ledger.InsufficientBalance(
            _("Not enough hours: you have %(have)s.", have=ledger_queries.format_spending(source.balance)),
            fields={"minutes": [_("Not enough hours in the account.")]})


def give(giver: User, target: Account, minutes: int, memo: str, *, idempotency_key: str
         ) -> ledger.Transfer:
    """`giver` sends `minutes` to `target`: a donation, or a payment to a merchant."""
    source = check_gift(giver, target, minutes)
    return ledger.transfer_between(source, target, minutes, RECEIVING_KINDS[target.kind],
                                   memo=memo, posted_by=giver, idempotency_key=idempotency_key)
