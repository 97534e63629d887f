"""EventBot: book events in a Telegram chat."""
