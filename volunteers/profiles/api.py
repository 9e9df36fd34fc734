"""JSON API of volunteer profiles, and of the towns and communities a resident chooses a home in."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.errors import NotFound, referenced
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import json_body
from timebank.web.openapi import doc
from timebank.web.schemas import BaseSchema
from volunteers.pages import api_bp as bp
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.schemas import (
    GuardianFormSchema,
    VolunteerProfileSchema,
    VolunteerProfileUpdateSchema,
)


class CommunitySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda community: community.station.id
                                 if community.station else None, allow_none=True)
    service_point = fields.Function(lambda community: community.service_point.name
                                    if community.service_point else None, allow_none=True)


class TownSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda town: town.station.id if town.station else None,
                                 allow_none=True)
    station_name = fields.Function(lambda town: town.station.name if town.station else None,
                                   allow_none=True)
    communities = fields.List(fields.Nested(CommunitySchema))


class TownListSchema(BaseSchema):
    items = fields.List(fields.Nested(TownSchema))


@bp.get("/communities")
@doc(summary="Towns and streets with their villages and communities, and station ids",
     tags=["geography"], response=TownListSchema, auth=False)
def communities():
    return jsonify({"items": TownSchema(many=True).dump(org.towns())})


# --- the volunteer profile ------------------------------------------------------------------------

def profile_json(profile: VolunteerProfile) -> dict:
    return VolunteerProfileSchema(viewer=current_user).dump(profile)


def _saved_profile(user_id: int) -> VolunteerProfile | None:
    return db.session.get(VolunteerProfile, user_id)


@bp.get("/me/volunteer-profile")
@login_required
@doc(summary="My volunteer profile (empty until first saved)", tags=["profile"],
     response=VolunteerProfileSchema)
def my_profile():
    profile = _saved_profile(current_user.id)
    if profile is None:  # shown, not created: a read must not write
        profile = VolunteerProfile(
            user_id=current_user.id, skills=[], skills_other="", interest_groups=[],
            interest_themes=[], availability=[], monthly_limit=profiles.DEFAULT_MONTHLY_LIMIT)
    return jsonify(profile_json(profile))


@bp.put("/me/volunteer-profile")
@login_required
@doc(summary="Update my volunteer profile; fields left out stay. Skills, interests and "
             "availability need consent", tags=["profile"], body=VolunteerProfileUpdateSchema,
     response=VolunteerProfileSchema)
def update_my_profile():
    saved = _saved_profile(current_user.id)
    data = json_body(VolunteerProfileUpdateSchema(
        consented=saved is not None and saved.consent_at is not None))
    if data.get("community_id") is not None:
        referenced(org.get_community, data["community_id"])
    profile = profiles.update_profile(saved or profiles.profile_for(current_user), data)
    db.session.commit()
    return jsonify(profile_json(profile))


@bp.get("/volunteers/<int:user_id>/profile")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A volunteer's profile, for staff; the ID number is masked except for staff of "
             "the volunteer's station", tags=["profile"], response=VolunteerProfileSchema,
     errors=(403, 404))
def volunteer_profile(user_id: int):
    profile = _saved_profile(user_id)
    if profile is None:
        raise NotFound(_("This member has no volunteer profile yet."), code="profile_not_found")
    return jsonify(profile_json(profile))


@bp.put("/me/guardian")
@login_required
@doc(summary="A minor's guardian and their consent, declared by the guardian on the minor's "
             "phone (`declaration` must be true); needed before a minor signs up",
     tags=["profile"], body=GuardianFormSchema, response=VolunteerProfileSchema, errors=(422,))
def my_guardian():
    data = json_body(GuardianFormSchema())
    profile = profiles.record_guardian(profiles.profile_for(current_user), data, by=current_user)
    db.session.commit()
    return jsonify(profile_json(profile))
