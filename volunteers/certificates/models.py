"""Issued certificates."""

from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Agency, Station


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (Index("uq_certificates_user_id_digest", "user_id", "digest", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    #: Indexed by the unique (user_id, digest) index.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The station that organised the service certified (谁组织谁记录、谁记录谁证明): one
    #: certificate per organiser.
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    #: The issuer: the agency (承办机构) that ran the organising station when it was issued; None
    #: when the station had no agency and issued in its own name.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: The volunteer chose to show their ID number in full on this certificate.
    id_shown_in_full: Mapped[bool] = mapped_column(default=False, server_default=false())
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    scanned_minutes: Mapped[int]
    honour_minutes: Mapped[int]
    line_count: Mapped[int]
    #: SHA-256 of the lines certified: the same record gives the same certificate.
    digest: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The volunteer themselves, or the staff member who printed it for them.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    station: Mapped[Station] = relationship()
    agency: Mapped[Agency | None] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def total_minutes(self) -> int:
        return self.scanned_minutes + self.honour_minutes
