"""What any form (a question-and-answer flow such as /signup) says when an answer doesn't fit."""

from __future__ import annotations

from bot.ui.i18n import _


def answer_with_text() -> str:
    """A sticker, photo or the like where a typed answer was expected (the question follows)."""
    return _("Please answer the question below with a text message, or send /cancel to stop.")


def press_a_button() -> str:
    """Text where the question wants a button press (the question and its buttons follow)."""
    return _("Please choose with the buttons below, or send /cancel to stop.")


def answer_below() -> str:
    """Another command while a form waits for an answer (the question follows)."""
    return _("Please answer the question below, or send /cancel to stop.")


def nudged(nudge: str, question: str) -> str:
    """A nudge followed by the question it points to, asked again."""
    return f"{nudge}\n\n{question}"


def moved_on() -> str:
    """An answer to a question the form has already left behind."""
    return _(
        "That answer came too late: this form has moved on. Please look at the latest question."
    )


def secret_received() -> str:
    """A password or code was read and its message deleted; the next question follows."""
    return _("🔒 Got it, and deleted your message.")


def deleted_arguments() -> str:
    """A form's command came with text after it (it may have been a password)."""
    return _(
        "🔒 I deleted that message, in case it held a password: send just the command and "
        "I'll ask for each answer (and delete the secret ones)."
    )
