"""Whatever a client sends, as button data or as answers to questions, nothing crashes.

Hypothesis generates the input; the real bot answers it over the emulator. A failure is an
unanswered button, an unexpected reply, or an ERROR log record (what an unhandled exception
leaves behind).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import ui
from bot.ui.callbacks import Callback
from tests.buttons import ANY_BUTTON
from tests.conftest import INVITE_CODE
from tests.flows.helpers import create_event, local_text
from tests.harness import ThreadedBot
from tests.people import Person

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example files in the work tree; every run explores afresh
)
PREFIXES = [f"{kind.prefix}:" for kind in Callback.kinds()] + [""]
CALLBACK_DATA = st.one_of(
    ANY_BUTTON.map(Callback.pack),  # every valid button, pressed by someone it isn't for
    st.text(max_size=64),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    st.builds(
        lambda prefix, n: f"{prefix}{n}",
        st.sampled_from(PREFIXES),
        st.integers(-(2**70), 2**70),
    ),
    st.builds(
        lambda n, action: f"ev:{n}{action}",
        st.integers(0, 10**25),
        st.sampled_from([":reg", ":unreg", ":x", "", ":reg:1"]),
    ),
    st.builds(lambda e, p: f"att:{e}:{p}", st.integers(0, 10**21), st.integers(0, 10**8)),
)
# what people type: any unicode, RTL and emoji, markup look-alikes, very long, blank-ish
TYPED = st.one_of(
    st.text(min_size=1, max_size=300),
    st.text(alphabet=st.sampled_from("<>&/\\*_`[]()\u202e\u200f😀𝔸ﷺ \t\n"), min_size=1),
    st.text(min_size=4000, max_size=5000),
    st.sampled_from([" ", "\n", "<b>bold</b>", "<script>x</script>", "&amp;", "2030-13-45 25:61"]),
)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedBot]:
    bot = ThreadedBot(tmp_path_factory.mktemp("fuzz"))

    async def setup() -> None:
        boss = Person(bot.emulator, 9000, "Boss")
        await boss.sign_up("boss@example.com", "manager-secret", manager_code=INVITE_CODE)
        await create_event(
            boss, bot.clock, title="Jazz night", capacity=3, starts_in=timedelta(days=2)
        )
        ann = Person(bot.emulator, 1001, "Ann")
        await ann.sign_up("ann@example.com", "customer-secret")
        await ann.ask("/events", "Upcoming events")

    bot.run(setup())
    yield bot
    bot.close()


@settings(FUZZ, max_examples=150)
@given(data=CALLBACK_DATA)
def test_any_button_data_gets_a_polite_answer(harness: ThreadedBot, data: str) -> None:
    async def press() -> dict[str, object]:
        ann = Person(harness.emulator, 1001, "Ann")
        listing = harness.emulator.bot_messages(ann.chat_id)[-1]
        return await ann.answer_to(ann.press_data(listing, data))

    answer = harness.run(press())
    assert isinstance(answer["text"], str | None)
    assert harness.errors.records == []


@dataclass(frozen=True)
class Step:
    """A conversation state: how to reach it, what it asks, what comes after it."""

    name: str
    user_id: int
    path: tuple[str, ...]  # texts to send; "#Label" presses a button
    asks: str
    then: str


SIGNUP = ("/signup", "Fuzz", "fuzz@example.com", "fuzz-secret")
STEPS = [
    Step("signup-name", 4242, SIGNUP[:1], "What's your name?", "email address"),
    Step("signup-email", 4242, SIGNUP[:2], "email address", "Choose a password"),
    Step("signup-password", 4242, SIGNUP[:3], "Choose a password", "customer or as an event"),
    Step("signup-code", 4242, (*SIGNUP, "#🛠 Manager"), "invite code", "account is ready"),
    Step("login-email", 4343, ("/login",), "email address of your account", "your password"),
    # user 0: a new Telegram account each time, as logins are throttled per account too
    Step("login-password", 0, ("/login", "@fresh"), "your password", "don't match"),
    Step("newevent-title", 9000, ("/newevent",), "What's the title?", "Describe the event"),
    Step("newevent-description", 9000, ("/newevent", "T"), "Describe the event", "When does"),
    Step("newevent-start", 9000, ("/newevent", "T", "D"), "When does it start?", "Where does"),
    Step("newevent-location", 9000, ("/newevent", "T", "D", "@date"), "Where does", "How many"),
    Step("newevent-capacity", 9000, ("/newevent", "T", "D", "@date", "L"), "How many", "check"),
]
FRESH = iter(range(10**6))


async def reach(harness: ThreadedBot, step: Step) -> Person:
    """Put the step's person into the step's state, starting from scratch."""
    user_id = step.user_id or 100_000 + next(FRESH)
    person = Person(harness.emulator, user_id, f"P{user_id}")
    person.say("/cancel")
    await person.expect("ancel")
    for item in step.path:
        if item.startswith("#"):
            person.press(item[1:])
        elif item == "@fresh":  # a new email each time, so throttling never kicks in
            person.say(f"fuzz{next(FRESH)}@example.com")
        elif item == "@date":
            person.say(local_text(harness.clock.now() + timedelta(days=3)))
        else:
            person.say(item)
        await harness.emulator.wait_until(lambda: person.cursor < len(harness.emulator.events))
        await person.expect("")
    await harness.emulator.wait_until(
        lambda: step.asks in harness.emulator.bot_messages(person.chat_id)[-1].text
    )
    return person


@settings(FUZZ, max_examples=25)
@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
@given(text=TYPED)
def test_every_question_survives_any_answer(harness: ThreadedBot, step: Step, text: str) -> None:
    async def answer() -> str:
        person = await reach(harness, step)
        person.say(text)
        reply = await person.expect("")
        return reply.text

    reply = harness.run(answer())
    sensible = (step.asks, step.then, ui.common.in_conversation(), ui.common.cancelled())
    assert any(fragment in reply for fragment in sensible), reply
    assert harness.errors.records == []
