"""Telegram-facing code: parse updates, call services in one transaction, render replies."""
