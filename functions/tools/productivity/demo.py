"""Demo data for the local stack: the demo user's todos, reminders, events and a team over the
next days. Idempotent: every row has a fixed id derived from the user and its label, and is inserted
with ON CONFLICT DO NOTHING, so seeding twice adds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared import identity
from shared.db import Database
from shared.settings import RelaySettings

TEAMMATE_NAME = "Sam Rivera"
TEAMMATE_EMAIL = "sam.rivera@convonet.local"
TEAMMATE_PIN = "739214"  # local demo only; Sam signs in by email and PIN


@dataclass(frozen=True)
class DemoTodo:
    label: str
    title: str
    priority: str
    due_in_days: int | None
    due_at: time | None = None


@dataclass(frozen=True)
class DemoReminder:
    label: str
    text: str
    in_days: int
    at: time
    importance: str


@dataclass(frozen=True)
class DemoEvent:
    label: str
    title: str
    in_days: int
    at: time
    minutes: int
    location: str
    description: str = ""


@dataclass(frozen=True)
class DemoTeamTodo:
    label: str
    title: str
    assignee: str  # "demo", "teammate" or "" (nobody)
    due_in_days: int | None
    priority: str


TODOS = [
    DemoTodo("tax-forms", "Gather the tax forms for the accountant", "high", 2, time(17, 0)),
    DemoTodo("birthday", "Buy a birthday card for Mum", "medium", 4),
    DemoTodo("garage", "Clear out the garage", "low", None),
]
REMINDERS = [
    DemoReminder(
        "dentist-call", "Call the dentist to confirm the appointment", 1, time(9, 30), "high"
    ),
    DemoReminder("invoice", "Send the March invoice to Harbor Dental", 2, time(14, 0), "normal"),
    DemoReminder("dry-cleaning", "Pick up the dry cleaning", 3, time(17, 30), "low"),
    DemoReminder("parking", "Renew the office parking permit", 6, time(10, 0), "normal"),
]
EVENTS = [
    DemoEvent("standup", "Team stand-up", 1, time(9, 0), 30, "Conference room B"),
    DemoEvent(
        "lunch",
        "Lunch with Priya from Northwind",
        1,
        time(12, 30),
        60,
        "Café Lumen, 5th Avenue",
        "Talk about the spring catalogue",
    ),
    DemoEvent(
        "review",
        "Quarterly review with the accountants",
        2,
        time(15, 0),
        90,
        "Video call",
        "Bring the expense summary",
    ),
    DemoEvent("dentist", "Dentist appointment", 3, time(8, 30), 45, "Harbor Dental, 12 Pier St"),
    DemoEvent("planning", "Weekly planning", 5, time(10, 0), 60, "Conference room B"),
]
TEAM_NAME = "Front Office"
TEAM_DESCRIPTION = "Reception, scheduling and office supplies"
TEAM_TODOS = [
    DemoTeamTodo("toner", "Order printer toner", "teammate", 2, "high"),
    DemoTeamTodo("hours", "Update the holiday opening hours on the website", "demo", 4, "medium"),
    DemoTeamTodo("water", "Restock the waiting-room water cooler", "", None, "low"),
]


def _id(user_id: str, label: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"convonet-demo:{user_id}:{label}"))


def _zone(db: Database, user_id: str, default_timezone: str) -> ZoneInfo:
    row = db.fetch_one("SELECT timezone FROM identity.users WHERE id = :id", id=user_id)
    return ZoneInfo((row and row["timezone"]) or default_timezone)


def seed(
    db: Database,
    user_id: str,
    today: date,
    default_timezone: str = "UTC",
    pepper: bytes | None = None,
) -> None:
    """Reminders, events and a team (with a second member) for the demo user, from tomorrow
    on, at local times in the user's zone (their own, else ``default_timezone``)."""
    zone = _zone(db, user_id, default_timezone)

    def at(in_days: int, clock: time) -> datetime:
        return datetime.combine(today + timedelta(days=in_days), clock, tzinfo=zone)

    with db.transaction() as tx:
        for t in TODOS:
            tx.execute(
                "INSERT INTO productivity.todos"
                " (id, user_id, title, priority, due_date, due_time, request_key)"
                " VALUES (:id, :user_id, :title, :priority, :due_date, :due_time, :key)"
                " ON CONFLICT DO NOTHING",
                id=_id(user_id, f"todo:{t.label}"),
                user_id=user_id,
                title=t.title,
                priority=t.priority,
                due_date=today + timedelta(days=t.due_in_days)
                if t.due_in_days is not None
                else None,
                due_time=t.due_at,
                key=f"demo:{t.label}",
            )
        for r in REMINDERS:
            tx.execute(
                "INSERT INTO productivity.reminders (id, user_id, text, remind_at, importance)"
                " VALUES (:id, :user_id, :text, :remind_at, :importance) ON CONFLICT DO NOTHING",
                id=_id(user_id, f"reminder:{r.label}"),
                user_id=user_id,
                text=r.text,
                remind_at=at(r.in_days, r.at),
                importance=r.importance,
            )
        for e in EVENTS:
            start = at(e.in_days, e.at)
            tx.execute(
                "INSERT INTO productivity.events"
                " (id, user_id, title, description, location, starts_at, ends_at)"
                " VALUES (:id, :user_id, :title, :description, :location, :start, :end)"
                " ON CONFLICT DO NOTHING",
                id=_id(user_id, f"event:{e.label}"),
                user_id=user_id,
                title=e.title,
                description=e.description,
                location=e.location,
                start=start,
                end=start + timedelta(minutes=e.minutes),
            )
    _seed_team(db, user_id, today, pepper)


def _seed_team(db: Database, user_id: str, today: date, pepper: bytes | None) -> None:
    # The teammate signs in by email and PIN (not PIN alone), so the PIN need not be unique.
    # The lookup pepper matters only for sign-in by PIN alone; local mode's is the default.
    teammate = identity.ensure_user(
        db,
        TEAMMATE_NAME,
        TEAMMATE_PIN,
        pepper or RelaySettings(env="local").pepper_bytes(),
        TEAMMATE_EMAIL,
        pin_only=False,
    )
    team_id = _id(user_id, "team:front-office")
    assignees = {"demo": user_id, "teammate": teammate.id, "": None}
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO productivity.teams (id, name, description, created_by)"
            " VALUES (:id, :name, :description, :user_id) ON CONFLICT DO NOTHING",
            id=team_id,
            name=TEAM_NAME,
            description=TEAM_DESCRIPTION,
            user_id=user_id,
        )
        for member_id, role in ((user_id, "owner"), (teammate.id, "admin")):
            tx.execute(
                "INSERT INTO productivity.team_members (team_id, user_id, role, added_by)"
                " VALUES (:team_id, :member_id, :role, :user_id) ON CONFLICT DO NOTHING",
                team_id=team_id,
                member_id=member_id,
                role=role,
                user_id=user_id,
            )
        for t in TEAM_TODOS:
            due = today + timedelta(days=t.due_in_days) if t.due_in_days is not None else None
            tx.execute(
                "INSERT INTO productivity.team_todos"
                " (id, team_id, title, priority, due_date, assignee_id, created_by)"
                " VALUES (:id, :team_id, :title, :priority, :due, :assignee_id, :user_id)"
                " ON CONFLICT DO NOTHING",
                id=_id(user_id, f"team-todo:{t.label}"),
                team_id=team_id,
                title=t.title,
                priority=t.priority,
                due=due,
                assignee_id=assignees[t.assignee],
                user_id=user_id,
            )
