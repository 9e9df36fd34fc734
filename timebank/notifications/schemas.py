"""marshmallow schemas of notifications (the API's shape)."""

from marshmallow import fields

from timebank.web.schemas import BaseSchema, page_of


class NotificationSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "What the notice is about: reminder, "
                                                  "activity_changed, activity_cancelled, "
                                                  "signup_confirmed, signup_promoted, invite, "
                                                  "hours_approved, hours_adjusted, "
                                                  "hours_rejected, help_chosen, ..."})
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True, metadata={"description": "A path on the site to open"})
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When the inbox page first showed it; null while unread"})


NotificationPageSchema = page_of(NotificationSchema, "NotificationPageSchema")
