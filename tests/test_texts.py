"""Every text shown back is escaped and fits Telegram's limit, whatever users typed."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import texts
from bot.emulator import html_to_text
from bot.services.events import (
    MAX_DESCRIPTION_CHARS,
    MAX_LOCATION_CHARS,
    MAX_TITLE_CHARS,
    Attendee,
    AttendeePage,
)
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
    card = texts.fit(texts.event_card(event(title, location, description), TZ, registered=True))
    shown = visible(card)
    assert texts.tg_len(shown) <= texts.MAX_MESSAGE
    assert title in shown and location in shown  # shown literally: escaped, never markup
    if texts.SHORTENED not in shown:
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
    shown = visible(texts.fit(texts.attendee_list(page, TZ)))
    assert texts.tg_len(shown) <= texts.MAX_MESSAGE
    assert all(name in shown for name in names)


@given(name=TYPED.map(lambda s: s[:64]))
def test_names_are_escaped_everywhere(name: str) -> None:
    user = User(id=1, name=name, email="a@b.cd", role=Role.MANAGER)
    for html in [texts.welcome(user), texts.me(user), texts.signed_up(user), texts.logged_in(user)]:
        assert name in visible(html)


def test_fit_cuts_long_text_with_a_note_and_keeps_short_text() -> None:
    assert texts.fit("<b>short</b>") == "<b>short</b>"
    long = "<b>Title</b>\n" + "😀" * 3000
    shown = visible(texts.fit(long))
    assert shown.startswith("Title\n😀") and shown.endswith(texts.SHORTENED)
    assert texts.tg_len(shown) <= texts.MAX_MESSAGE
