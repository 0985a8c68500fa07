"""Birth registration (生育登记), births, birth notices (出生信息) and the follow-up tasks they open.

Everything here is a service to the family: a registration is self-declared and asks for no
documents; nothing is a permit, a quota or a check that withholds anything.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from renkou.extensions import TownModel
from renkou.types import UTCDateTime, utcnow
from tenants.births import rules
from tenants.network.models import VillageStaff
from tenants.registry.models import Person

# submitted → accepted → registered; submitted or accepted → returned (with a reason) → submitted again.
REGISTRATION_STATUSES = ("submitted", "accepted", "registered", "returned")
OPEN_REGISTRATION_STATUSES = ("submitted", "accepted")
# Before the birth the family gives the expected date; after it, the birth date.
REGISTRATION_TIMINGS = ("before_birth", "after_birth")
BIRTH_SEXES = ("M", "F")
BIRTH_PLACES = ("hospital", "home", "other")
TASK_KINDS = ("registration", "subsidy_intake", "postnatal_visit")
TASK_STATUSES = ("open", "done")


class BirthRegistration(TownModel):
    """An application for birth registration by a couple, self-declared, handled in 7 working days."""

    __tablename__ = "birth_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Given when the registration is made: "<town code>-<year>-<5-digit sequence>", unique in the town.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    mother_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    father_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    father_name: Mapped[str | None] = mapped_column(String(64))  # when the father is not on the register
    timing: Mapped[str] = mapped_column(String(16))
    expected_date: Mapped[date | None] = mapped_column(Date)
    child_birth_date: Mapped[date | None] = mapped_column(Date)
    child_order: Mapped[int] = mapped_column(Integer)
    # The couple's own declaration that what they told the office is true (承诺制): nothing is checked
    # against certificates, and none are asked for.
    self_declared: Mapped[bool] = mapped_column(default=True)
    applied_on: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date] = mapped_column(Date)  # the last (re)submission: the 7 working days run from it
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    return_reason: Mapped[str | None] = mapped_column(String(500))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    mother: Mapped[Person] = relationship(foreign_keys=[mother_id], lazy="joined")
    father: Mapped[Person | None] = relationship(foreign_keys=[father_id], lazy="joined")

    @property
    def father_display(self) -> str:
        return self.father.name if self.father is not None else (self.father_name or "")

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_REGISTRATION_STATUSES and self.due_on < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue(rules.today())


class RegistrationCounter(TownModel):
    """The last registration number given in a year; its row is locked while the next one is taken."""

    __tablename__ = "birth_registration_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Birth(TownModel):
    """A birth in the town, as the health centre or the family reported it."""

    __tablename__ = "births"

    id: Mapped[int] = mapped_column(primary_key=True)
    mother_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    child_name: Mapped[str | None] = mapped_column(String(64))
    born_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    place_type: Mapped[str] = mapped_column(String(16), default="hospital")
    place_name: Mapped[str | None] = mapped_column(String(100))
    birth_order: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    mother: Mapped[Person] = relationship(lazy="joined")
    notices: Mapped[list[BirthNotice]] = relationship(back_populates="birth", order_by="BirthNotice.received_at")
    tasks: Mapped[list[FollowUpTask]] = relationship(back_populates="birth", order_by="FollowUpTask.id")


class BirthNotice(TownModel):
    """A birth notice (出生信息) from the health centre; on time when received ≤ 24 hours after the birth."""

    __tablename__ = "birth_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    birth_id: Mapped[int] = mapped_column(ForeignKey("births.id", ondelete="RESTRICT"), index=True)
    born_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(100))
    # Stored, not only computed, so the timeliness indicator (出生信息及时报送率) is a plain count.
    on_time: Mapped[bool] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    birth: Mapped[Birth] = relationship(back_populates="notices", lazy="joined")
    tasks: Mapped[list[FollowUpTask]] = relationship(order_by="FollowUpTask.id", viewonly=True)


class FollowUpTask(TownModel):
    """Work a birth notice opens for the office: help register, take the subsidy application, visit."""

    __tablename__ = "birth_tasks"
    # One task of each kind per birth, however many notices arrive for it.
    __table_args__ = (UniqueConstraint("birth_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    birth_id: Mapped[int] = mapped_column(ForeignKey("births.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("birth_notices.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("village_staff.id", ondelete="SET NULL"),
                                                          index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="open", index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    birth: Mapped[Birth] = relationship(back_populates="tasks", lazy="joined")
    assignee_staff: Mapped[VillageStaff | None] = relationship(lazy="joined")

    @property
    def assignee_display(self) -> str:
        if self.assignee_staff is not None:
            return self.assignee_staff.name
        return self.assignee_name or ""

    def is_overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today

    @property
    def overdue(self) -> bool:
        return self.is_overdue(rules.today())
