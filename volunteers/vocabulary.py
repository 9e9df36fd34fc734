"""The field's fixed lists: skills, target groups, weekly time slots.

Profiles, activities, matching and exports all speak these words; they are data, not rules.
"""

from flask_babel import lazy_gettext as _l

#: The curated skills list; volunteers may add free text beside it.
SKILLS = {
    "first_aid": _l("First aid"),
    "elderly_companionship": _l("Elderly companionship"),
    "tutoring": _l("Tutoring"),
    "haircut": _l("Haircut"),
    "appliance_repair": _l("Appliance repair"),
    "photography": _l("Photography"),
    "cantonese_interpreting": _l("Cantonese interpreting"),
    "english_interpreting": _l("English interpreting"),
    "sign_language": _l("Sign language"),
    "counselling": _l("Listening and counselling"),
    "cooking": _l("Cooking"),
    "driving": _l("Driving"),
}

#: Target groups of services, used for interests and for activities alike.
TARGET_GROUPS = {
    "elderly": _l("Elderly people"),
    "youth": _l("Young people"),
    "children": _l("Children"),
    "families": _l("Families"),
    "disabled": _l("People with disabilities"),
    "new_residents": _l("New residents"),
    "community": _l("Everyone in the community"),
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = dict(zip(WEEKDAYS, (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"),
                                     _l("Sat"), _l("Sun")), strict=True))
#: Parts of a day, with their hours [start, end) in local time.
DAY_PARTS = {"am": (8, 12), "pm": (12, 18), "eve": (18, 22)}
DAY_PART_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon"), "eve": _l("Evening")}
#: Every weekly availability slot, such as ``sat-am``.
SLOTS = tuple(f"{day}-{part}" for day in WEEKDAYS for part in DAY_PARTS)

#: Service categories of a record (志愿服务类别), as the national and Guangdong systems list them.
SERVICE_CATEGORIES = {
    "community": _l("Community service"),
    "poverty_relief": _l("Poverty relief and help for people in need"),
    "elderly_disabled": _l("Help for the elderly and people with disabilities"),
    "education": _l("Education and tutoring"),
    "environment": _l("Environmental protection"),
    "culture": _l("Cultural service"),
    "health": _l("Health care"),
    "emergency": _l("Emergency rescue"),
    "legal": _l("Legal service"),
    "public_safety": _l("Public safety"),
    "large_events": _l("Large events"),
    "other": _l("Other"),
}

#: The quality evaluation recorded with each approved service record (服务质量评价).
EVALUATIONS = {
    "excellent": _l("Excellent"),
    "good": _l("Good"),
    "pass": _l("Pass"),
    "fail": _l("Fail"),
}
