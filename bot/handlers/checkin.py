"""Tickets and check-in: *🎟 My ticket* sends the QR ticket; a manager who opens its link
(``/start ci_<id>_<secret>``) checks the holder in; *☑ Check in…* under an attendee list
checks people in by name; *↩ Undo* takes a mistaken check-in back (from either)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, deps, edit_or_say, friendly, now, pressed, refuse, say
from bot.handlers.visit import account, requires
from bot.services import checkin, checkin_undo
from bot.services.errors import DomainError, NotLoggedIn
from bot.transport.offload import offload
from bot.ui import checkin as words
from bot.ui import common
from bot.ui.callbacks import CheckInAgain, CheckInList, EventCard, UndoCheckIn
from bot.ui.ticket_image import render_ticket
from db.models import Role

log = logging.getLogger(__name__)


def _refusal(exc: DomainError, *, html: bool) -> str:
    """The words for a refused scan or press; ``html=False`` for an alert (plain text)."""
    if isinstance(exc, checkin.TicketEventCancelled):
        return words.ticket_for_cancelled_event(exc.title, html=html)
    if isinstance(exc, checkin.AttendeeGone):
        return words.attendee_gone()
    if isinstance(exc, checkin_undo.NotCheckedIn):
        return words.not_checked_in(exc.name)
    return words.ticket_invalid()


async def send_ticket(update: Update, context: BotContext, button: EventCard) -> None:
    """Send the viewer's ticket for the card's event: a PNG with the QR link, and a caption."""
    user = await account(update, context)
    if user is None:
        raise NotLoggedIn()
    app_deps = deps(context)
    async with app_deps.db.read() as session:
        ticket = await checkin.load_ticket(session, user_id=user.id, event_id=button.event_id)
    if ticket.cancelled:
        await refuse(update, words.ticket_for_cancelled_event(ticket.title, html=False))
        return
    secret = ticket.secret
    if secret is None:  # registered before tickets existed
        async with app_deps.db.write() as session:
            secret = await checkin.ensure_secret(session, registration_id=ticket.registration_id)
    await answer(update)
    payload = checkin.ticket_payload(ticket.registration_id, secret)
    link = f"https://t.me/{context.bot.username}?start={payload}"
    tz = app_deps.settings.tz
    png = await offload(render_ticket, words.ticket_face(ticket, tz, link))
    assert update.effective_chat is not None
    await update.effective_chat.send_photo(
        png, caption=words.ticket_caption(ticket, tz), filename="ticket.png"
    )


async def scan_ticket(update: Update, context: BotContext, payload: str) -> None:
    """Check in the holder of the ticket whose link a manager opened (``/start ci_…``)."""
    viewer = await account(update, context)
    if viewer is None:
        await say(update, common.login_first())
        return
    if viewer.role is not Role.MANAGER:
        # a customer opening a ticket (their own, most likely) learns what it is for
        await say(update, words.only_managers_check_in())
        return
    parsed = checkin.parse_payload(payload)
    if parsed is None:
        await say(update, words.ticket_invalid())
        return
    registration_id, secret = parsed
    clock_now = now(context)
    try:
        async with deps(context).db.write() as session:
            result = await checkin.check_in_ticket(
                session,
                registration_id=registration_id,
                secret=secret,
                manager_id=viewer.id,
                now=clock_now,
            )
    except checkin.TicketNotToday as exc:
        log.info("account %s scanned a ticket of another day (event %r)", viewer.id, exc.title)
        tz = deps(context).settings.tz
        await say(update, words.ticket_not_today(exc.title, exc.starts_at, tz, early=exc.early))
        return
    except (checkin.TicketInvalid, checkin.TicketEventCancelled) as exc:
        log.info("account %s scanned a ticket that was refused: %s", viewer.id, type(exc).__name__)
        await say(update, _refusal(exc, html=True))
        return
    if result.first:
        log.info("account %s checked in registration %s", viewer.id, registration_id)
    tz = deps(context).settings.tz
    await say(update, words.checked_in(result, clock_now, tz), words.scan_keyboard(result))


async def _door_page(session: AsyncSession, event_id: int, page: int) -> checkin.DoorPage:
    return await checkin.door_page(
        session, event_id=event_id, page=page, page_size=words.CHECK_IN_PAGE_SIZE
    )


@requires(Role.MANAGER)
@friendly
async def door_list(update: Update, context: BotContext) -> None:
    """Show who is still to check in, or check in the person pressed (managers only)."""
    button = await pressed(update, CheckInList)
    if button is None:
        return
    viewer = await account(update, context)
    assert viewer is not None  # @requires
    app_deps = deps(context)
    clock_now = now(context)
    toast = None
    result = None
    try:
        if button.registration_id is None:
            async with app_deps.db.read() as session:
                page = await _door_page(session, button.event_id, button.page)
        else:
            async with app_deps.db.write() as session:
                result = await checkin.check_in_attendee(
                    session,
                    event_id=button.event_id,
                    registration_id=button.registration_id,
                    manager_id=viewer.id,
                    now=clock_now,
                )
                page = await _door_page(session, button.event_id, button.page)
            toast = words.checked_in(result, clock_now, app_deps.settings.tz, html=False)
    except (checkin.TicketEventCancelled, checkin.AttendeeGone) as exc:
        await refuse(update, _refusal(exc, html=False))
        return
    await answer(update, toast)
    tz = app_deps.settings.tz
    await edit_or_say(update, words.door_list(page, tz), words.door_keyboard(page, result))


@requires(Role.MANAGER)
@friendly
async def undo_check_in(update: Update, context: BotContext) -> None:
    """Take back a check-in made by mistake, from a scan's answer or the check-in list."""
    button = await pressed(update, UndoCheckIn)
    if button is None:
        return
    viewer = await account(update, context)
    assert viewer is not None  # @requires
    app_deps = deps(context)
    try:
        async with app_deps.db.write() as session:
            result = await checkin_undo.undo_check_in(
                session, event_id=button.event_id, registration_id=button.registration_id
            )
            page = None
            if button.page is not None:
                page = await _door_page(session, button.event_id, button.page)
    except (checkin.TicketEventCancelled, checkin.AttendeeGone, checkin_undo.NotCheckedIn) as exc:
        await refuse(update, _refusal(exc, html=False))
        return
    log.info("account %s undid the check-in of registration %s", viewer.id, result.registration_id)
    if page is None:  # under a scan's answer
        await answer(update)
        await edit_or_say(update, words.undone(result), words.undone_keyboard(result))
        return
    await answer(update, words.undone(result, html=False))
    tz = app_deps.settings.tz
    await edit_or_say(update, words.door_list(page, tz), words.door_keyboard(page))


@requires(Role.MANAGER)
@friendly
async def check_in_again(update: Update, context: BotContext) -> None:
    """Check in again someone whose check-in was undone under a scan's answer."""
    button = await pressed(update, CheckInAgain)
    if button is None:
        return
    viewer = await account(update, context)
    assert viewer is not None  # @requires
    app_deps = deps(context)
    clock_now = now(context)
    try:
        async with app_deps.db.write() as session:
            result = await checkin.check_in_attendee(
                session,
                event_id=button.event_id,
                registration_id=button.registration_id,
                manager_id=viewer.id,
                now=clock_now,
            )
    except (checkin.TicketEventCancelled, checkin.AttendeeGone) as exc:
        await refuse(update, _refusal(exc, html=False))
        return
    tz = app_deps.settings.tz
    if result.first:
        log.info("account %s checked in registration %s", viewer.id, result.registration_id)
        await answer(update)
    else:  # someone checked them in meanwhile: say when
        await answer(update, words.checked_in(result, clock_now, tz, html=False))
    text = words.checked_in(result, clock_now, tz)
    await edit_or_say(update, text, words.scan_keyboard(result))


def register(app: EventBotApp) -> None:
    """Add the check-in list's and the undo buttons (tickets come through events and /start)."""
    app.add_handler(CallbackQueryHandler(door_list, pattern=CheckInList.pattern()))
    app.add_handler(CallbackQueryHandler(undo_check_in, pattern=UndoCheckIn.pattern()))
    app.add_handler(CallbackQueryHandler(check_in_again, pattern=CheckInAgain.pattern()))
