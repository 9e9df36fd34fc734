"""The volunteer's side: 我的结对, their live pairings with households (the called name, the
community, the needs they help with, the rhythm and when the next contact is due). Nothing
more of the household: its name, address, phone and ID number stay with the station."""

from flask import render_template
from flask_login import current_user

from timebank.accounts.permissions import login_required
from volunteers.households import services as households
from volunteers.households.models import NEEDS, RHYTHM_LABELS
from volunteers.pages import volunteer_bp as bp


@bp.get("/pairings")
@login_required
def my_pairings():
    return render_template("volunteer/pairings.html", pairings=households.my_pairings(current_user),
                           NEEDS=NEEDS, RHYTHM_LABELS=RHYTHM_LABELS, today=households.today())
