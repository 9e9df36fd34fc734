"""A table another feature adds later (here made on the spot) is in the export and the erasure
without any change to `timebank.personal_data`: a users foreign key is enough to be found, and
``info={"personal": True}`` to be blanked."""

import pytest
from sqlalchemy import Column, ForeignKey, Integer, String, Table, insert, select

from tests.conftest import PASSWORD
from timebank.extensions import db
from timebank.personal_data import services as personal


@pytest.fixture
def guardians(app):
    table = Table("test_guardians", db.metadata,
                  Column("id", Integer, primary_key=True),
                  Column("user_id", ForeignKey("users.id"), nullable=False),
                  Column("guardian_name", String(40), info={"personal": True}),
                  Column("relation", String(20)))
    table.create(db.engine)
    yield table
    db.session.rollback()
    table.drop(db.engine)
    db.metadata.remove(table)


def test_a_new_table_is_exported_and_erased_unasked(client, api_token, make_user, guardians):
    minor = make_user(name="小明")
    db.session.execute(insert(guardians).values(user_id=minor.id, guardian_name="王大妈",
                                                relation="祖母"))
    db.session.commit()
    headers = api_token(minor)
    sections = {section["table"]: section
                for section in client.get("/api/v1/me/export", headers=headers)
                .get_json()["sections"]}
    assert sections["test_guardians"]["rows"][0]["guardian_name"] == "王大妈"

    assert client.post("/api/v1/me/erasure", json={"password": PASSWORD},
                       headers=headers).status_code == 202
    db.session.rollback()
    row = db.session.execute(select(guardians)).mappings().one()
    assert row["guardian_name"] is None and row["relation"] == "祖母"
    assert personal.owner_column(guardians).name == "user_id"
