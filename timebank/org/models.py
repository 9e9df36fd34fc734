"""Towns, communities, stations, service points, grid teams and staff posts."""

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class Station(db.Model):
    """The social-work station of one town or street."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")

    town: Mapped[Town] = relationship(back_populates="station")
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
