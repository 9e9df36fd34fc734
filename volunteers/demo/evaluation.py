"""Demo evaluation (`seed.seed` calls `seed_evaluation`): the three reviewers (the third-party
evaluator reviewing every station, the town and the committee reviewing 南沙街道's), the 2026
mid-term period (70 / 10 / 10 / 10) with a few items per party and two veto items, opened (the
figures frozen) and scored by the evaluator for 南沙街道's station. Added only once."""

from sqlalchemy import select

from timebank.accounts import services as accounts
from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.extensions import db
from timebank.org.models import Station, Town
from volunteers.demo.data import DEMO_TOWN, DISTRICT_ADMIN_PHONE
from volunteers.evaluation import services as evaluation

EVALUATOR_PHONE, TOWN_REVIEWER_PHONE, COMMITTEE_REVIEWER_PHONE = \
    "13800000061", "13800000062", "13800000063"
ITEMS = (
    ("evaluator", "服务成效（服务人次、时长、覆盖）", 30), ("evaluator", "项目管理与台账", 20),
    ("evaluator", "人员配置与督导", 10), ("evaluator", "财务规范", 10),
    ("town", "月度检查", 5), ("town", "季度考察", 5),
    ("committee", "村居满意度", 6), ("committee", "协作配合", 4),
    ("district", "合同履约", 5), ("district", "安全与信息报送", 5),
)
VETOES = ("发生重大安全责任事故或造成恶劣社会影响", "虚报、瞒报服务数据或挪用项目资金")


def seed_evaluation(password_hash: str) -> None:
    if db.session.scalar(select(User.id).where(User.phone == EVALUATOR_PHONE)):
        return
    from volunteers.demo.seed import _new_user

    admin = accounts.get_by_phone(DISTRICT_ADMIN_PHONE)
    reviewers = {
        "evaluator": _new_user(EVALUATOR_PHONE, "广州明德社会工作评估中心", Role.EVALUATOR,
                               password_hash),
        "town": _new_user(TOWN_REVIEWER_PHONE, "南沙街道社会事务办", Role.TOWN_REVIEWER,
                          password_hash),
        "committee": _new_user(COMMITTEE_REVIEWER_PHONE, "金洲社区居委会",
                               Role.COMMITTEE_REVIEWER, password_hash),
    }
    db.session.flush()
    stations = list(db.session.scalars(select(Station).order_by(Station.id)))
    home = db.session.scalar(select(Station).join(Town).where(Town.name == DEMO_TOWN))
    evaluation.assign_stations(admin, reviewers["evaluator"], [s.id for s in stations])
    evaluation.assign_stations(admin, reviewers["town"], [home.id])
    evaluation.assign_stations(admin, reviewers["committee"], [home.id])
    period = evaluation.create_period(admin, name="2026年度中期评估", kind="mid_term",
                                      first=(2026, 1), last=(2026, 12))
    for party, title, most in ITEMS:
        evaluation.add_item(admin, period, party=party, title=title, max_score=most)
    for title in VETOES:
        evaluation.add_veto_item(admin, period, title=title)
    evaluation.open_period(admin, period)
    items = evaluation.items_of(period, "evaluator")
    evidence = evaluation.evidence_of(period, home.id)
    evaluation.submit_sheet(
        reviewers["evaluator"], period, home.id,
        scores={str(item.id): score for item, score in zip(items, (26.5, 18, 9, 8.5),
                                                            strict=True)},
        comments="服务覆盖面广，台账较完整；督导记录需按月补齐。",
        activity_ids=[entry.activity.id for entry in evidence[:3]])
    db.session.flush()
