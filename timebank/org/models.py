"""Towns, communities, agencies, stations, service points, grid teams and staff posts."""

from datetime import date
from typing import Any

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class Town(db.Model):
    """A town (镇) or street (街道) of the district."""

    __tablename__ = "towns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    communities: Mapped[list["Community"]] = relationship(back_populates="town",
                                                          order_by="Community.name")
    station: Mapped["Station | None"] = relationship(back_populates="town")


class Community(db.Model):
    """A village (村) or residential community (社区)."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("town_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))

    town: Mapped[Town] = relationship(back_populates="communities")
    service_point: Mapped["ServicePoint | None"] = relationship(back_populates="community")

    @property
    def station(self) -> "Station | None":
        return self.town.station

    @property
    def full_name(self) -> str:
        return f"{self.town.name}{self.name}"


class Agency(db.Model):
    """The social-work organisation (承办机构) that runs stations under a contract with the
    district's civil-affairs bureau."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: 统一社会信用代码 (GB 32100-2015), eighteen characters with a check character.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]

    stations: Mapped[list["Station"]] = relationship(back_populates="agency",
                                                     order_by="Station.id")


class AgencySeal(db.Model):
    """The image of an agency's official seal (公章), drawn in the seal box of the certificates it
    issues. Kept apart from `Agency` so that listing agencies never loads the picture."""

    __tablename__ = "agency_seals"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"),
                                           primary_key=True)
    #: ``image/png`` or ``image/jpeg``, as Pillow read the bytes (never the file's name).
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Station(db.Model):
    """The social-work station of one town or street."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    #: As the station writes it on its door, e.g. "周一至周五 9:00-18:00".
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    town: Mapped[Town] = relationship(back_populates="station")
    agency: Mapped[Agency | None] = relationship(back_populates="stations")
    grid_teams: Mapped[list["GridTeam"]] = relationship(back_populates="station",
                                                        order_by="GridTeam.name")


class ServicePoint(db.Model):
    """The station's service point in one community, where most activities take place."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200), default="")

    community: Mapped[Community] = relationship(back_populates="service_point")


grid_team_communities = Table(
    "grid_team_communities", db.metadata,
    Column("grid_team_id", ForeignKey("grid_teams.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
)


class GridTeam(db.Model):
    """Usually three social workers who together look after a set of communities."""

    __tablename__ = "grid_teams"
    __table_args__ = (UniqueConstraint("station_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))

    station: Mapped[Station] = relationship(back_populates="grid_teams")
    communities: Mapped[list[Community]] = relationship(secondary=grid_team_communities,
                                                        order_by=Community.id)
    posts: Mapped[list["StaffPost"]] = relationship(back_populates="grid_team")


class StaffPost(db.Model):
    """A staff member's place: their station and, for social workers, their grid team."""

    __tablename__ = "staff_posts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    grid_team_id: Mapped[int | None] = mapped_column(ForeignKey("grid_teams.id"), index=True)

    user = relationship("User", lazy="joined")
    station: Mapped[Station] = relationship()
    grid_team: Mapped[GridTeam | None] = relationship(back_populates="posts")
