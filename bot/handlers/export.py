"""*Export attendees (CSV)* on the manager's card: the attendees and waiting list as a file."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext, EventBotApp
from bot.handlers.common import answer, deps, friendly, pressed, user_id_of
from bot.handlers.visit import requires
from bot.services import export as exports
from bot.transport.offload import offload
from bot.ui import export as words
from bot.ui.callbacks import ManageAction, ManagerCard
from db.models import Role


@requires(Role.MANAGER)
@friendly
async def export_attendees(update: Update, context: BotContext) -> None:
    """Send the manager a CSV file of the event's attendees and waiting list."""
    button = await pressed(update, ManagerCard)
    if button is None:
        return
    async with deps(context).db.read() as session:
        export = await exports.attendee_export(session, event_id=button.event_id)
    await answer(update)
    # emails are personal: the file goes to the manager's private chat, even when the
    # button was pressed somewhere else
    chat_id = user_id_of(update)
    if not export.registered and not export.waiting:
        await context.bot.send_message(chat_id, words.nobody_to_export(export.title))
        return
    header = words.csv_header()
    files = await offload(exports.csv_files, header, export, deps(context).settings.tz)
    for part, content in enumerate(files, start=1):
        await context.bot.send_document(
            chat_id,
            content,
            filename=words.file_name(export.title, part, len(files)),
            caption=words.caption(export, part, len(files)),
        )


def register(app: EventBotApp) -> None:
    """Add the export button's handler."""
    pattern = ManagerCard.action_pattern(ManageAction.EXPORT)
    app.add_handler(CallbackQueryHandler(export_attendees, pattern=pattern))
