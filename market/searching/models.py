"""The staff synonym list and its audit trail, and the search log (queries and clicks).

The search log keeps what buyers typed, how many listings they got and what they opened; the
only thing it records about who searched is the organisation (none for visitors).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from market.db import Base, utcnow


class SynonymGroup(Base):
    """Terms buyers use for the same thing (colloquial, formal, English, abbreviations)."""

    __tablename__ = "search_synonym_groups"
    # Never reuse a deleted group's id (SQLite would otherwise hand out the highest again),
    # so the trail's ``group_id`` always names one group.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[list] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    # the terms no listing held when the group was saved: buyers' suggestions leave them out
    unfound: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SynonymChange(Base):
    """One staff edit of the synonym list: who (and through which API client), when, the
    group before and after, the note given with it and how the group's note changed."""

    __tablename__ = "search_synonym_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # kept after the group is deleted; 0 for a built-in group
    group_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    before: Mapped[list | None] = mapped_column(sa.JSON)
    after: Mapped[list | None] = mapped_column(sa.JSON)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # the API client the change came through (its ``client_id``); none from the staff page
    client_id: Mapped[str | None] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    # an addition or change joining built-in groups: their first terms, as they were then
    joins: Mapped[list | None] = mapped_column(sa.JSON)
    # a change of the group's note, ``{"before", "after"}`` (none: the note stayed as it was)
    note_change: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RetiredDefault(Base):
    """A built-in synonym group staff deleted, named by its first term (the library's list
    is code; this records that the exchange does not want the group)."""

    __tablename__ = "search_retired_defaults"

    term: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchQuery(Base):
    """A search someone ran: the text, what came back, and the searching organisation."""

    __tablename__ = "search_queries"
    __table_args__ = (sa.Index("ix_search_queries_text_at", "normalized", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    normalized: Mapped[str] = mapped_column(sa.String(500))
    results: Mapped[int]
    relaxed: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(sa.String(8))  # web / api
    # the filters the search was on (category, region, price …, by the API's names); none
    # without: a search finding nothing only within its filters is no gap in the vocabulary
    filters: Mapped[dict | None] = mapped_column(sa.JSON(none_as_null=True))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SearchClick(Base):
    """A result opened from a search, and its position in the results."""

    __tablename__ = "search_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(sa.ForeignKey("search_queries.id"), index=True)
    listing_id: Mapped[int]
    position: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
