"""Every text shown back is escaped and fits Telegram's limit, whatever users typed; formats
and wording that must not drift (dates, plurals, lists, what each role is offered)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import ui
from bot.emulator import html_to_text
from bot.services import errors as service_errors
from bot.services.attendees import Attendee, AttendeePage
from bot.services.errors import (
    BadCredentials,
    DomainError,
    EmailTaken,
    InvalidInput,
    LoginLocked,
    Problem,
    StartInGap,
)
from bot.services.events import MAX_DESCRIPTION_CHARS, MAX_LOCATION_CHARS, MAX_TITLE_CHARS
from bot.services.views import EventInfo, Viewer
from db.models import Event, Role, User

TZ = ZoneInfo("Europe/Berlin")
# anything a user can type: astral emoji (2 UTF-16 units), RTL, markup look-alikes
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from("<>&\"'😀𝔸‮"),
    min_size=1,
)


def visible(html: str) -> str:
    """What Telegram shows (raises like Telegram on malformed HTML)."""
    return html_to_text(html)


def event(title: str, location: str, description: str) -> Event:
    return Event(
        id=1,
        title=title,
        location=location,
        description=description,
        starts_at=datetime(2030, 5, 17, 17, 30, tzinfo=UTC),
        capacity=100_000,
        seats_left=99_999,
        created_by=1,
    )


@settings(max_examples=150, deadline=None)
@given(
    title=TYPED.map(lambda s: s[:MAX_TITLE_CHARS]),
    location=TYPED.map(lambda s: s[:MAX_LOCATION_CHARS]),
    description=st.one_of(TYPED, st.text(alphabet="😀𝔸", min_size=MAX_DESCRIPTION_CHARS)).map(
        lambda s: s[:MAX_DESCRIPTION_CHARS]
    ),
)
def test_event_cards_are_escaped_and_fit(title: str, location: str, description: str) -> None:
    card = ui.limits.fit(
        ui.events.event_card(
            event(title, location, description), TZ, user=None, registered=True, started=False
        )
    )
    shown = visible(card)
    assert ui.limits.tg_len(shown) <= ui.limits.MAX_MESSAGE
    assert title in shown and location in shown  # shown literally: escaped, never markup
    if ui.limits.shortened_note() not in shown:
        assert description.strip() in shown


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(TYPED.map(lambda s: s[:64]), min_size=10, max_size=10),
    emails=st.lists(
        st.text(alphabet="a<&😀", min_size=240, max_size=254), min_size=10, max_size=10
    ),
)
def test_a_full_attendee_page_fits(names: list[str], emails: list[str]) -> None:
    page = AttendeePage(
        event=event("x" * 100, "y", "z"),
        attendees=[Attendee(name=n, email=e) for n, e in zip(names, emails, strict=True)],
        page=0,
        pages=3,
        total=25,
    )
    listed = ui.manage.attendee_list(page, TZ, now=datetime(2026, 1, 1, tzinfo=UTC))
    shown = visible(ui.limits.fit(listed))
    assert ui.limits.tg_len(shown) <= ui.limits.MAX_MESSAGE
    assert all(name in shown for name in names)


@given(name=TYPED.map(lambda s: s[:64]))
def test_names_are_escaped_everywhere(name: str) -> None:
    user = User(id=1, name=name, email="a@b.cd", role=Role.MANAGER)
    shown = [
        ui.common.welcome(user),
        ui.accounts.me(user),
        ui.accounts.signed_up(user),
        ui.accounts.logged_in(user),
    ]
    for html in shown:
        assert name in visible(html)


def test_fit_cuts_long_text_with_a_note_and_keeps_short_text() -> None:
    assert ui.limits.fit("<b>short</b>") == "<b>short</b>"
    long = "<b>Title</b>\n" + "😀" * 3000
    shown = visible(ui.limits.fit(long))
    assert shown.startswith("Title\n😀") and shown.endswith(ui.limits.shortened_note())
    assert ui.limits.tg_len(shown) <= ui.limits.MAX_MESSAGE


ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/GMT+3"])


@given(
    moment=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    zone=ZONES,
)
def test_dates_read_as_they_always_have(moment: datetime, zone: str) -> None:
    local = moment.astimezone(ZoneInfo(zone))
    # the strftime formulas ui.fmt replaced (C locale)
    assert ui.fmt.when(moment, ZoneInfo(zone)) == (
        f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
    )
    assert ui.fmt.short_when(moment, ZoneInfo(zone)) == f"{local.day} {local:%b %H:%M}"


def test_a_known_date_in_full_and_short() -> None:
    moment = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    assert ui.fmt.when(moment, TZ) == "Sat 28 Nov 2026, 19:30 CET"
    assert ui.fmt.short_when(moment, TZ) == "28 Nov 19:30"
    assert ui.fmt.month(2026, 2) == "February 2026"


def test_durations_and_lists_are_counted_and_joined() -> None:
    hours = [timedelta(hours=24), timedelta(hours=1)]
    assert ui.events.reminder_phrase(hours) == "24 hours and 1 hour"
    assert ui.events.reminder_phrase([timedelta(days=2)]) == "2 days"
    three = [timedelta(days=7), timedelta(minutes=30), timedelta(minutes=1)]
    assert ui.events.reminder_phrase(three) == "7 days, 30 minutes and 1 minute"
    assert ui.events.reminder_phrase([]) == ""
    assert ui.fmt.duration(timedelta(seconds=1)) == "1 second"
    assert ui.fmt.duration(timedelta(seconds=45)) == "45 seconds"


def test_seats_are_counted_with_plurals() -> None:
    one, many, full = (
        EventInfo(1, "T", "D", "L", datetime(2030, 1, 1, tzinfo=UTC), 5, left) for left in (1, 5, 0)
    )
    assert (ui.events.seats(one), ui.events.seats(many), ui.events.seats(full)) == (
        "1 seat left",
        "5 seats left",
        "full",
    )
    card = ui.events.event_card(one, TZ, user=None, registered=False, started=False)
    assert "🎟 1 seat left (of 5)" in card
    card = ui.events.event_card(full, TZ, user=None, registered=False, started=False)
    assert "🎟 Full: all 5 seats are taken" in card


CUSTOMER = Viewer(id=1, name="Ann", role=Role.CUSTOMER)
MANAGER = Viewer(id=2, name="Boss", role=Role.MANAGER)


@pytest.mark.parametrize(
    ("viewer", "seats_left", "registered", "started", "labels", "full_notice"),
    [
        (CUSTOMER, 3, False, False, ["✅ Register", "« All events"], False),
        # full: no Register, says so and offers the waitlist
        (CUSTOMER, 0, False, False, ["⏳ Join waitlist", "« All events"], True),
        (None, 0, False, False, ["⏳ Join waitlist", "« All events"], True),
        (
            CUSTOMER,
            0,
            True,
            False,
            ["❌ Cancel registration", "🎟 My ticket", "« All events"],
            False,
        ),
        (CUSTOMER, 0, False, True, ["« All events"], False),  # started: nothing to offer
        (CUSTOMER, 0, True, True, ["🎟 My ticket", "« All events"], False),  # at the door
        (MANAGER, 0, False, False, ["« All events"], False),  # managers get their own card
    ],
)
def test_a_card_offers_what_its_viewer_can_do(
    viewer: Viewer | None,
    seats_left: int,
    registered: bool,
    started: bool,
    labels: list[str],
    full_notice: bool,
) -> None:
    shown = EventInfo(7, "Jazz", "D", "L", datetime(2030, 1, 1, tzinfo=UTC), 2, seats_left)
    state = {"user": viewer, "registered": registered, "started": started}
    keyboard = ui.events.event_card_keyboard(shown, **state)  # type: ignore[arg-type]
    assert [b.text for row in keyboard.inline_keyboard for b in row] == labels
    card = ui.events.event_card(shown, TZ, **state)  # type: ignore[arg-type]
    assert ("😔 This event is full." in card) is full_notice


def test_help_lists_what_each_role_can_do() -> None:
    stranger = ui.common.help_text(None)
    customer = ui.common.help_text(CUSTOMER)
    manager = ui.common.help_text(MANAGER)
    assert "/signup – create an account" in stranger and "/myevents" not in stranger
    assert "/events – browse upcoming events and register" in customer
    assert "/myevents – the events you're registered for" in customer
    assert "/newevent" not in customer
    assert "/events – browse upcoming events and see their attendees" in manager
    assert "/myevents" not in manager and "and register" not in manager
    assert "/newevent – create an event" in manager and "/attendees" in manager


def test_sign_up_ends_with_what_each_role_does_next() -> None:
    customer = ui.accounts.signed_up(CUSTOMER)
    manager = ui.accounts.signed_up(MANAGER)
    assert "Your customer account is ready" in customer
    assert "Try /events to find something to join." in customer
    assert "Your manager account is ready" in manager
    assert "/newevent" in manager and "/attendees" in manager and "Try /events" not in manager


def test_every_domain_error_and_problem_has_words() -> None:
    for problem in Problem:
        error = InvalidInput(problem)
        error.params = defaultdict(lambda: 1, year=2026, month=2, days=28)  # any number it needs
        assert ui.errors.error_text(error).strip()
    # the errors services raise into handlers' refusals (the others get their own screens)
    own_screens = {
        DomainError,
        InvalidInput,
        StartInGap,  # an InvalidInput: worded by its problem, above and below
        LoginLocked,
        EmailTaken,
        BadCredentials,
    }
    refusals = [
        value
        for value in vars(service_errors).values()
        if isinstance(value, type) and issubclass(value, DomainError) and value not in own_screens
    ]
    assert len(refusals) >= 8
    for error_class in refusals:
        assert ui.errors.error_text(error_class()) != ui.common.something_went_wrong()
    feb = InvalidInput(Problem.START_NO_SUCH_DAY, year=2026, month=2, days=28)
    assert ui.errors.error_text(feb) == "February 2026 has 28 days."
    gap = StartInGap(
        zone="America/New_York", year=2030, month=3, day=10, hour=2, minute=15,
        from_hour=2, from_minute=0, to_hour=3, to_minute=0,
    )  # fmt: skip
    assert ui.errors.error_text(gap) == (
        "10 Mar 2030 02:15 doesn't exist in America/New_York: the clocks jump from 02:00 to "
        "03:00. Please choose another time."
    )
