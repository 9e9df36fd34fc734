"""The month's themes."""

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.extensions import db
from timebank.org.models import Station


class Theme(db.Model):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("station_id", "year", "month", name="one_per_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Null for a district-wide theme.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(1000), default="")
    #: Short words matched against volunteers' interests: 敬老, 助残, 禁毒, ...
    tags: Mapped[list] = mapped_column(JSON, default=list)

    station: Mapped[Station | None] = relationship()

    @property
    def month_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
