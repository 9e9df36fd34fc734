"""Demo data for the coordination layer: Nansha's towns and streets with their communities,
a station per town with its service points. Idempotent: what exists is left alone.
"""

from sqlalchemy import select

from timebank.extensions import db
from volunteers.geography import Community, ServicePoint, Station, Town

#: Towns and streets of Nansha with some of their communities and villages.
NANSHA = {
    "南沙街道": ["金洲社区", "港湾社区", "南沙社区", "塘坑村", "板头村"],
    "珠江街道": ["珠江社区", "万鲤社区", "海北社区", "新垦社区"],
    "龙穴街道": ["龙穴社区", "南沙港社区", "龙穴岛社区"],
    "黄阁镇": ["黄阁社区", "大塘村", "东里村", "莲溪村"],
    "横沥镇": ["横沥社区", "冯马村", "义沙村", "新兴村"],
    "万顷沙镇": ["万顷沙社区", "福安村", "红港村", "新港村"],
    "东涌镇": ["东涌社区", "大稳村", "吉祥村", "细沥村"],
    "大岗镇": ["大岗社区", "新联村", "豪岗村", "高沙村"],
    "榄核镇": ["榄核社区", "人绿村", "九比村", "湴湄村"],
}


def seed_geography() -> None:
    for town_name, community_names in NANSHA.items():
        town = db.session.scalar(select(Town).where(Town.name == town_name))
        if town is None:
            town = Town(name=town_name)
            db.session.add(town)
            db.session.flush()
        if town.station is None:
            db.session.add(Station(town_id=town.id, name=f"{town_name}社工服务站",
                                   address=f"广州市南沙区{town_name}"))
        existing = {community.name for community in town.communities}
        for name in community_names:
            if name in existing:
                continue
            community = Community(town_id=town.id, name=name)
            db.session.add(community)
            db.session.flush()
            db.session.add(ServicePoint(community_id=community.id, name=f"{name}社工服务点"))
    db.session.flush()


def seed() -> None:
    seed_geography()
