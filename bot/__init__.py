"""Kotowari's channels: the Telegram bot, the terminal shell and the command line."""
