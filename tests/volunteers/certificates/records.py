"""What the certificate tests share: a volunteer served and approved, agencies."""

from timebank.extensions import db
from timebank.org.models import Agency
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn

ID_NUMBER = "440115199001011236"
AGENCY = "广州市南沙区启航社会工作服务中心"
AGENCY_CODE = "91440115MA5AXXXX1A"
OTHER_AGENCY = "广州市益友社会工作服务中心"
OTHER_CODE = "52440115MJL0000002"


def serve(activity, volunteer, worker, *, minutes=None, reason=None, out_after=None,
          evaluation=None, comment=None, approver=None) -> CheckIn:
    """The volunteer scans in at the start (a walk-in: the activity is over, so signing up first
    is closed) and out at the end (or `out_after` the start), and `approver` (else `worker`)
    approves the hours through the approval itself, with `minutes` set by hand and the
    evaluation: minutes added above the scanned time are honour minutes, which only a station
    manager may approve."""
    checkin, _created = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=(activity.starts_at + out_after) if out_after
                       else activity.ends_at)
    checkins.approve(checkin, by=approver or worker, minutes=minutes, reason=reason,
                     evaluation=evaluation, evaluation_comment=comment)
    db.session.commit()
    return checkin


def agency(name=AGENCY, code=AGENCY_CODE, **fields) -> Agency:
    made = Agency(name=name, credit_code=code, contact_name="何主任",
                  contact_phone=fields.pop("phone", "020-8498 0000"), **fields)
    db.session.add(made)
    db.session.flush()
    return made
