"""The rules of EventBot. No Telegram imports; callers own the transaction."""
