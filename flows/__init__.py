"""Kotowari's coaching core: the case machine, texts, storage and engine (no Telegram)."""
