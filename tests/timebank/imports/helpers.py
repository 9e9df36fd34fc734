"""Helpers the import tests share: files written into tmp_path, and a count of every table."""

import csv

from openpyxl import Workbook
from sqlalchemy import func, select

from timebank.extensions import db


def write_csv(path, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def table_counts() -> dict[str, int]:
    """Rows in every table: a test compares two of these to show nothing was written."""
    db.session.rollback()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}
