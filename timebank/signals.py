"""Signals the core sends so that the coordination layer can react without being imported.

`timebank` never imports `volunteers`; where the core needs the layer above to take part in
one of its operations, it sends a signal and `volunteers` connects a receiver.

Receivers run inside the sender's transaction, before the edge (view, command) commits, so a
receiver that raises a `timebank.errors.ServiceError` refuses the whole operation and nothing of
it is kept.
"""

from blinker import Namespace

_signals = Namespace()

#: Sent by `timebank.users.register_resident` after the user row exists (flushed, not
#: committed), with the sender the new `User` and keyword ``community_id`` (the home community
#: the resident chose, or None).
user_registered = _signals.signal("user-registered")

#: Sent by `timebank.accounts.services.hand_over` with the sender the staff member whose work
#: moves and keywords ``to`` (the colleague taking it over) and ``by`` (who does it). Each
#: receiver moves its part and returns a dict of counts (``{"volunteers": 3}``,
#: ``{"activities": 2, "approvals": 5}``), which the hand-over adds up, audits and shows.
staff_handed_over = _signals.signal("staff-handed-over")

#: Sent by `timebank.consents.services` when a person gives a consent, with the sender the
#: `User` and keyword ``purpose`` (``skills_availability``, ``party_membership``, ``photos``,
#: ``privacy_notice``). Features keeping that purpose's data may start keeping it.
consent_given = _signals.signal("consent-given")

#: Sent when a person withdraws a consent, with the sender the `User` and keyword ``purpose``.
#: Every feature keeping data under that purpose clears it in its receiver (in the same
#: transaction): the volunteer profile clears skills, interests and availability.
consent_withdrawn = _signals.signal("consent-withdrawn")
