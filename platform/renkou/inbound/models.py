"""Shared tables of the bureau's messages, the tasks they become, the search for a person, and replies.

Where a person's data goes, and why: a 协查 request names a person (name, resident ID). Shared tables are
read by county pages, and the county sees people only masked (DESIGN.md §6), so no shared column holds the
name or the ID in the clear. What a town may read is encrypted under *that town's* data key (AES-GCM, the
purpose "bureau_notice.personal" bound in): the task of a town (``Notice.personal``) and the search row
of a town (``Lookup.personal``, which its locate job reads to look the ID up through its own blind index).
Lists show the masked forms kept beside them. Once every town has been searched, the search rows of the
towns where the person was not found lose their copy. Deleting a town's key makes its copies unreadable,
like the rest of its data.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.accounts.models import User
from renkou.db import SHARED_SCHEMA
from renkou.extensions import db
from renkou.tenancy.models import Town
from renkou.types import UTCDateTime, utcnow

TARGETS, VERIFICATION, NOTIFICATION = "targets", "verification_request", "notification"
KINDS = (TARGETS, VERIFICATION, NOTIFICATION)
PUSH, PULL = "push", "pull"
# A message's routing: targets applied; tasks made; the person's town still being searched for.
APPLIED, ROUTED, LOCATING = "applied", "routed", "locating"
COUNTY_SCOPE = "county"
# A task: waiting for its answer; answered and the answer on its way; the bureau has the answer.
OPEN, REPLYING, REPLIED = "open", "replying", "replied"
NOTICE_STATUSES = (OPEN, REPLYING, REPLIED)
# A search in one town; a task's person: found on the town's register, or not.
PENDING, FOUND, ABSENT = "pending", "found", "absent"
# A reply's delivery.
QUEUED, SENDING, DELIVERED, FAILED = "queued", "sending", "delivered", "failed"
REPLY_STATES = (QUEUED, SENDING, DELIVERED, FAILED)
PERSONAL_PURPOSE = "bureau_notice.personal"


class InboundMessage(db.Model):
    """One message the county accepted from the bureau. UNIQUE(message_id) refuses a replay, whichever
    process receives it. ``content`` is the message without any personal data."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("message_id", name="uq_inbound_messages_message_id"),
        Index("ix_inbound_messages_received_at", "received_at"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))  # push | pull
    reference: Mapped[str] = mapped_column(String(128), default="")  # the bureau's number, e.g. 豫卫协〔2026〕12号
    title: Mapped[str] = mapped_column(String(200), default="")
    urgent: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_on: Mapped[date] = mapped_column(Date)  # in the county's time zone: deadlines count from it
    status: Mapped[str] = mapped_column(String(16))  # applied | routed | locating
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[dict] = mapped_column(JSON, default=dict)  # what was done: targets counted, the routing

    notices: Mapped[list[Notice]] = relationship(back_populates="message", order_by="Notice.id",
                                                 cascade="all, delete-orphan", passive_deletes=True)
    lookups: Mapped[list[Lookup]] = relationship(back_populates="message", order_by="Lookup.id",
                                                 cascade="all, delete-orphan", passive_deletes=True)


class Notice(db.Model):
    """A task made from a message for one town (``scope`` its code) or for the county (``scope`` "county")."""

    __tablename__ = "bureau_notices"
    __table_args__ = (
        UniqueConstraint("inbound_id", "scope", name="uq_bureau_notices_inbound_id"),
        CheckConstraint("(town_id IS NULL) = (scope = 'county')", name="scope_matches_town"),
        Index("ix_bureau_notices_town_id", "town_id"),
        Index("ix_bureau_notices_due_on", "due_on"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.inbound_messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # verification_request | notification
    scope: Mapped[str] = mapped_column(String(16))
    town_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    urgent: Mapped[bool] = mapped_column(default=False)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # a notification's text (no personal data)
    # A request's person, masked for lists; in full only in ``personal`` (under the town's key).
    person_masked: Mapped[str] = mapped_column(String(64), default="")
    resident_id_masked: Mapped[str] = mapped_column(String(32), default="")
    personal: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The town's search for the person: pending, found (``person_id`` on its register) or absent.
    located: Mapped[str | None] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[InboundMessage] = relationship(back_populates="notices")
    town: Mapped[Town | None] = relationship(lazy="joined")
    replies: Mapped[list[Reply]] = relationship(back_populates="notice", order_by="Reply.number",
                                                cascade="all, delete-orphan", passive_deletes=True)

    @property
    def for_county(self) -> bool:
        return self.town_id is None

    def is_overdue(self, today: date) -> bool:
        return self.status == OPEN and today > self.due_on

    @property
    def latest_reply(self) -> Reply | None:
        return self.replies[-1] if self.replies else None


class Lookup(db.Model):
    """The search for a request's person in one town, done by a job of that town."""

    __tablename__ = "inbound_lookups"
    __table_args__ = (
        UniqueConstraint("inbound_id", "town_id", name="uq_inbound_lookups_inbound_id"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.inbound_messages.id", ondelete="CASCADE"))
    town_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.towns.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    personal: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once the search is over
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[InboundMessage] = relationship(back_populates="lookups")
    town: Mapped[Town] = relationship(lazy="joined")


class Reply(db.Model):
    """An answer to a task, delivered signed to the bureau under its own Idempotency-Key.

    The text of a town's answer is encrypted under the town's key (it may name people); the county's
    answers (to notices about no one in particular, or a person found in no town) are kept as typed.
    """

    __tablename__ = "notice_replies"
    __table_args__ = (
        UniqueConstraint("notice_id", "number", name="uq_notice_replies_notice_id"),
        UniqueConstraint("idempotency_key", name="uq_notice_replies_idempotency_key"),
        Index("ix_notice_replies_state", "state"),
        {"schema": SHARED_SCHEMA},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.bureau_notices.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(160))
    result: Mapped[str] = mapped_column(String(16))
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # a town's answer, under its key
    text_plain: Mapped[str | None] = mapped_column(Text)  # the county's answer
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    claim: Mapped[str | None] = mapped_column(String(32))
    http_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(1000))
    bureau_reference: Mapped[str | None] = mapped_column(String(128))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED_SCHEMA}.users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notice: Mapped[Notice] = relationship(back_populates="replies")
    created_by: Mapped[User | None] = relationship(lazy="joined")
