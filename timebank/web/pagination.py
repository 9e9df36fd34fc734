"""Pages of a list: every HTML page and the JSON API read ``?page=`` the same safe way."""

from timebank.extensions import db
from timebank.web.inputs import page_number


def paginate(statement, per_page: int):
    """The page of `statement` that ``?page=`` asks for (`page_number`: 1 when missing or
    unreadable, never past the database's integer); a page past the end is empty, not a 404."""
    return db.paginate(statement, page=page_number(per_page), per_page=per_page,
                       error_out=False, count=True)
