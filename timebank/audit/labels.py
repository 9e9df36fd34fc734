"""How the audit log reads to a person: action codes as words, details as "field: old → new".

The stored action codes and detail keys never change (they are persisted strings); this module
only names them. A code or key without a name here is shown as it is stored.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

ACTIONS = {
    "activity.create": lazy_pgettext("audit action", "Activity posted"),
    "activity.update": lazy_pgettext("audit action", "Activity changed"),
    "approval_policy.update": lazy_pgettext("audit action", "Approval rules changed"),
    "auth.login": lazy_pgettext("audit action", "Logged in"),
    "auth.login_failed": lazy_pgettext("audit action", "Failed login"),
    "certificate.issue": lazy_pgettext("audit action", "Certificate issued"),
    "org.agency.seal": lazy_pgettext("audit action", "Agency seal uploaded"),
    "checkin.approve": lazy_pgettext("audit action", "Hours approved"),
    "checkin.auto_close": lazy_pgettext("audit action", "Check-in closed automatically"),
    "checkin.evaluate": lazy_pgettext("audit action", "Service evaluated"),
    "checkin.in": lazy_pgettext("audit action", "Checked in"),
    "checkin.out": lazy_pgettext("audit action", "Checked out"),
    "checkin.offline_scan": lazy_pgettext("audit action", "Card scan sent after working offline"),
    "checkin.reject": lazy_pgettext("audit action", "Hours rejected"),
    "correction.adjust": lazy_pgettext("audit action", "Correction: hours adjusted"),
    "correction.ask": lazy_pgettext("audit action", "Correction requested"),
    "correction.note": lazy_pgettext("audit action", "Note on a correction request"),
    "correction.refuse": lazy_pgettext("audit action", "Correction refused"),
    "correction.reverse": lazy_pgettext("audit action", "Correction: hours withdrawn"),
    "help.cancel": lazy_pgettext("audit action", "Help request cancelled"),
    "help.choose": lazy_pgettext("audit action", "Helper chosen"),
    "help.confirm": lazy_pgettext("audit action", "Help confirmed"),
    "help.done": lazy_pgettext("audit action", "Help marked done"),
    "help.listing.post": lazy_pgettext("audit action", "Service offered"),
    "help.listing.withdraw": lazy_pgettext("audit action", "Service offer withdrawn"),
    "help.no_show": lazy_pgettext("audit action", "Helper did not come"),
    "help.offer": lazy_pgettext("audit action", "Offer to help"),
    "help.post": lazy_pgettext("audit action", "Help requested"),
    "help.report": lazy_pgettext("audit action", "Help disputed"),
    "help.settle": lazy_pgettext("audit action", "Dispute settled"),
    "ledger.adjust": lazy_pgettext("audit action", "Hours adjusted by hand"),
    "ledger.reverse": lazy_pgettext("audit action", "Transfer reversed"),
    "ledger.transfer": lazy_pgettext("audit action", "Hours given"),
    "ledger.transfer_batch": lazy_pgettext("audit action", "Hours given to several members"),
    "matching.accept": lazy_pgettext("audit action", "Invitation accepted"),
    "matching.reoffer": lazy_pgettext("audit action", "Invitation offered again"),
    "matching.run": lazy_pgettext("audit action", "Matching run"),
    "matching.swap": lazy_pgettext("audit action", "Invitation passed to another volunteer"),
    "merchant.item_create": lazy_pgettext("audit action", "Merchant item added"),
    "merchant.item_update": lazy_pgettext("audit action", "Merchant item changed"),
    "merchant.redeem": lazy_pgettext("audit action", "Hours paid to a merchant"),
    "merchant.register": lazy_pgettext("audit action", "Merchant registered"),
    "merchant.approve": lazy_pgettext("audit action", "Merchant approved"),
    "merchant.suspend": lazy_pgettext("audit action", "Merchant suspended"),
    "merchant.reinstate": lazy_pgettext("audit action", "Merchant reinstated"),
    "official.export": lazy_pgettext("audit action", "Official records exported (补录)"),
    "official.import": lazy_pgettext("audit action", "Official result list imported (已补录)"),
    "official.project": lazy_pgettext("audit action", "Project id in an official system set"),
    "personal_data.correction_requested": lazy_pgettext("audit action",
                                                        "Profile correction requested"),
    "personal_data.correction_resolved": lazy_pgettext("audit action",
                                                       "Profile correction answered"),
    "personal_data.erased": lazy_pgettext("audit action", "Personal data erased"),
    "personal_data.review": lazy_pgettext("audit action", "Inactive accounts flagged for review"),
    "personal_data.review_decided": lazy_pgettext("audit action", "Retention review decided"),
    "pool.grant": lazy_pgettext("audit action", "Grant from a community pool"),
    "privacy.reveal": lazy_pgettext("audit action", "Full phone or ID number looked up"),
    "privacy.reveal_refused": lazy_pgettext("audit action",
                                            "Look-up of a full phone or ID number refused"),
    "report.export": lazy_pgettext("audit action", "Report exported"),
    "settings.update": lazy_pgettext("audit action", "District settings changed"),
    "signup.accept": lazy_pgettext("audit action", "Sign-up accepted"),
    "signup.attendance": lazy_pgettext("audit action", "Attendance marked"),
    "signup.cancel": lazy_pgettext("audit action", "Sign-up cancelled"),
    "signup.create": lazy_pgettext("audit action", "Signed up"),
    "signup.promote": lazy_pgettext("audit action", "Moved up from the waiting list"),
    "stars.apply": lazy_pgettext("audit action", "Star level applied for"),
    "stars.award": lazy_pgettext("audit action", "Star level awarded"),
    "stars.decline": lazy_pgettext("audit action", "Star-level application declined"),
    "staff.create": lazy_pgettext("audit action", "Staff account created"),
    "staff.deactivate": lazy_pgettext("audit action", "Staff account deactivated"),
    "staff.hand_over": lazy_pgettext("audit action", "Volunteers handed over"),
    "staff.post": lazy_pgettext("audit action", "Staff post changed"),
    "staff.reactivate": lazy_pgettext("audit action", "Staff account reactivated"),
    "staff.roles": lazy_pgettext("audit action", "Roles changed"),
    "user.claim": lazy_pgettext("audit action", "Imported account claimed"),
    "user.create": lazy_pgettext("audit action", "Account created"),
    "user.password_change": lazy_pgettext("audit action", "Password changed"),
    "user.password_reset": lazy_pgettext("audit action", "Password reset"),
    "user.password_reset_code": lazy_pgettext("audit action", "Password reset code given"),
    "user.register": lazy_pgettext("audit action", "Registered"),
    "volunteer.relink": lazy_pgettext("audit action", "Linked social worker changed"),
}

#: ``org.<thing>.<verb>`` and ``import.<thing>``: named from their parts.
THINGS = {
    "town": _l("town or street"),
    "community": _l("village or community"),
    "agency": _l("agency"),
    "station": _l("station"),
    "service_point": _l("service point"),
    "grid_team": _l("grid team"),
    "geography": _l("towns and communities"),
    "staff": _l("staff"),
    "volunteers": _l("volunteers"),
}
VERBS = {
    "create": _l("Added %(thing)s"),
    "update": _l("Changed %(thing)s"),
    "delete": _l("Removed %(thing)s"),
}

FIELDS = {
    "activity_id": lazy_pgettext("audit field", "Activity"),
    "address": lazy_pgettext("audit field", "Address"),
    "adjusted": lazy_pgettext("audit field", "Set by hand"),
    "agency_id": lazy_pgettext("audit field", "Agency"),
    "already": lazy_pgettext("audit field", "Already entered"),
    "batch": lazy_pgettext("audit field", "Batch"),
    "bytes": lazy_pgettext("audit field", "Size (bytes)"),
    "content_type": lazy_pgettext("audit field", "File type"),
    "approve_at_checkout": lazy_pgettext("audit field", "Approve at check-out"),
    "auto": lazy_pgettext("audit field", "Approved automatically"),
    "auto_approve_daily_minutes": lazy_pgettext("audit field", "Approved at check-out (minutes a day)"),
    "day_minutes": lazy_pgettext("audit field", "Minutes that day"),
    "evaluation": lazy_pgettext("audit field", "Evaluation"),
    "evaluation_comment": lazy_pgettext("audit field", "Evaluation comment"),
    "honour_minutes": lazy_pgettext("audit field", "Honour minutes"),
    "manager_limit_daily_minutes": lazy_pgettext("audit field", "Station manager's limit (minutes a day)"),
    "changes": lazy_pgettext("audit field", "Changes"),
    "community_id": lazy_pgettext("audit field", "Village or community"),
    "count": lazy_pgettext("audit field", "Count"),
    "due_at": lazy_pgettext("audit field", "Answer due"),
    "ends_at": lazy_pgettext("audit field", "Ends"),
    "field": lazy_pgettext("audit field", "Looked up"),
    "fields": lazy_pgettext("audit field", "Fields changed"),
    "filename": lazy_pgettext("audit field", "File"),
    "helper_id": lazy_pgettext("audit field", "Helper"),
    "id_shown_in_full": lazy_pgettext("audit field", "ID number shown in full"),
    "item_id": lazy_pgettext("audit field", "Item"),
    "kind": lazy_pgettext("audit field", "Kind"),
    "level": lazy_pgettext("audit field", "Star level"),
    "member_id": lazy_pgettext("audit field", "Member"),
    "method": lazy_pgettext("audit field", "Method"),
    "minutes": lazy_pgettext("audit field", "Minutes"),
    "month": lazy_pgettext("audit field", "Month"),
    "name": lazy_pgettext("audit field", "Name"),
    "new": lazy_pgettext("audit field", "New"),
    "number": lazy_pgettext("audit field", "Number"),
    "only_pending": lazy_pgettext("audit field", "Only records still to enter"),
    "old": lazy_pgettext("audit field", "Old"),
    "phone": lazy_pgettext("audit field", "Phone"),
    "phone_tail": lazy_pgettext("audit field", "Phone ends in"),
    "place": lazy_pgettext("audit field", "Place"),
    "price_minutes": lazy_pgettext("audit field", "Price (minutes)"),
    "reason": lazy_pgettext("audit field", "Reason"),
    "record": lazy_pgettext("audit field", "Record"),
    "recipient_id": lazy_pgettext("audit field", "Recipient"),
    "replaced": lazy_pgettext("audit field", "Replaced the previous one"),
    "role": lazy_pgettext("audit field", "Role"),
    "roles": lazy_pgettext("audit field", "Roles"),
    "rows": lazy_pgettext("audit field", "Rows"),
    "served_minutes": lazy_pgettext("audit field", "Minutes served"),
    "shop_name": lazy_pgettext("audit field", "Shop name"),
    "slots": lazy_pgettext("audit field", "Places"),
    "starts_at": lazy_pgettext("audit field", "Starts"),
    "station_id": lazy_pgettext("audit field", "Station"),
    "system": lazy_pgettext("audit field", "System"),
    "status": lazy_pgettext("audit field", "Status"),
    "stock": lazy_pgettext("audit field", "Stock"),
    "title": lazy_pgettext("audit field", "Title"),
    "to": lazy_pgettext("audit field", "To"),
    "town_id": lazy_pgettext("audit field", "Town or street"),
    "transfer_id": lazy_pgettext("audit field", "Transfer"),
    "user_id": lazy_pgettext("audit field", "Member"),
}

SUBJECTS = {
    "activity": lazy_pgettext("audit subject", "Activity"),
    "approval_policy": lazy_pgettext("audit subject", "Approval rules of station"),
    "certificate": lazy_pgettext("audit subject", "Certificate"),
    "checkin": lazy_pgettext("audit subject", "Check-in"),
    "correction": lazy_pgettext("audit subject", "Correction request"),
    "merchant_item": lazy_pgettext("audit subject", "Merchant item"),
    "star_application": lazy_pgettext("audit subject", "Star-level application"),
    "towns": lazy_pgettext("audit subject", "Town or street"),
    "communities": lazy_pgettext("audit subject", "Village or community"),
    "agencies": lazy_pgettext("audit subject", "Agency"),
    "stations": lazy_pgettext("audit subject", "Station"),
    "service_points": lazy_pgettext("audit subject", "Service point"),
    "grid_teams": lazy_pgettext("audit subject", "Grid team"),
    "transfer": lazy_pgettext("audit subject", "Transfer"),
    "user": lazy_pgettext("audit subject", "User"),
}


def action_label(code: str) -> str:
    """``checkin.approve`` → 审核通过时长; an unknown code as it is."""
    if code in ACTIONS:
        return str(ACTIONS[code])
    parts = code.split(".")
    if len(parts) == 3 and parts[0] == "org" and parts[1] in THINGS and parts[2] in VERBS:
        return str(VERBS[parts[2]]) % {"thing": THINGS[parts[1]]}
    if len(parts) == 2 and parts[0] == "import" and parts[1] in THINGS:
        return str(_l("Imported %(thing)s")) % {"thing": THINGS[parts[1]]}
    return code


def field_label(key: str) -> str:
    if key in FIELDS:
        return str(FIELDS[key])
    from timebank.settings.services import SETTINGS  # the settings record to the audit log

    return str(SETTINGS[key].label) if key in SETTINGS else key


def subject_label(subject: str | None) -> str:
    """``activity:12`` → 活动 #12; anything else as it is."""
    if not subject:
        return ""
    kind, _sep, ident = subject.partition(":")
    if kind in SUBJECTS and ident:
        return f"{SUBJECTS[kind]} #{ident}"
    return subject


def value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_l("yes"))
    if value is False:
        return str(_l("no"))
    if isinstance(value, list | tuple):
        return "、".join(value_text(one) for one in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(key))}: {value_text(one)}" for key, one in value.items())
    return str(value)


def detail_lines(details: dict | None) -> list[str]:
    """The details of an entry as lines a person reads: ``名称: 旧 → 新`` for each change."""
    lines = []
    details = dict(details or {})
    if "old" in details and "new" in details:
        old, new = details.pop("old"), details.pop("new")
        lines.append(f"{field_label('status')}: {value_text(old)} → {value_text(new)}")
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list | tuple) and len(change) == 2:
                    lines.append(f"{field_label(name)}: {value_text(change[0])} → {value_text(change[1])}")
                else:
                    lines.append(f"{field_label(name)}: → {value_text(change)}")
        elif key == "fields" and isinstance(value, list | tuple):
            lines.append(f"{field_label(key)}: {'、'.join(field_label(str(one)) for one in value)}")
        else:
            lines.append(f"{field_label(key)}: {value_text(value)}")
    return lines
