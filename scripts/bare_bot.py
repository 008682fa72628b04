#!/usr/bin/env python3
"""A bare python-telegram-bot 22 bot for ``scripts/bench_e2e.py``: the same Bot API calls
per update as the full bot, and nothing else.

It polls with python-telegram-bot's own ``Updater`` (``run_polling``), with concurrent
updates and the same rate limiter as ``kotowari run`` with ``KOTOWARI_RATE_LIMIT_CAPS=off``
(caps off, 429 retries on). It has no engine, no store, no inbox. For each user's n-th
update it makes the calls the full bot made for that user's n-th update (read from the plan
file: their texts and keyboards), as ``benchmarks/bench.py``'s baseline bot replays them: send with
the same text and keyboard, edit the pressed message, answer the button press.

A ``/reload`` from the control chat (``CONTROL_CHAT``) reads the plan file again (the
benchmark writes it after each round of the full bot) and answers ``reloaded``.

Settings from the environment, as ``kotowari run`` reads them: ``TELEGRAM_BOT_TOKEN``,
``TELEGRAM_API_BASE_URL``. Usage: ``python scripts/bare_bot.py PLAN.json [--bounded]``; stops
on SIGTERM. ``--bounded`` gives it ``kotowari run``'s own Bot API request
(``bot.telegram_app.BoundedRequest``: a connection pool per request in flight) instead of
the builder's one pool of 256, to tell the transport's part from the rest.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

CONTROL_CHAT = 1
# user id -> the calls for each of their updates, in order: [method, parameters]
Plan = dict[int, list[list[tuple[str, dict[str, Any]]]]]


class Replayer:
    def __init__(self, plan_path: Path) -> None:
        self.plan_path = plan_path
        self.plan: Plan = {}
        self.position: dict[int, int] = {}  # user id -> updates of theirs handled

    def reload(self) -> None:
        data = json.loads(self.plan_path.read_text(encoding="utf-8"))
        self.plan = {int(uid): steps for uid, steps in data.items()}
        self.position.clear()

    async def handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        bot = context.bot
        if user.id == CONTROL_CHAT:
            self.reload()
            await bot.send_message(CONTROL_CHAT, "reloaded")
            return
        index = self.position.get(user.id, 0)
        self.position[user.id] = index + 1
        steps = self.plan.get(user.id, [])
        if index >= len(steps):
            return
        query = update.callback_query
        for method, params in steps[index]:
            if method == "sendMessage":
                markup = params.get("reply_markup")
                data = json.loads(markup) if isinstance(markup, str) else None
                keyboard = (
                    InlineKeyboardMarkup.de_json(data, bot)
                    if isinstance(data, dict) and "inline_keyboard" in data
                    else None
                )
                await bot.send_message(
                    user.id, params["text"], parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
            elif method == "editMessageText" and query is not None and query.message:
                await bot.edit_message_text(
                    params["text"],
                    user.id,
                    query.message.message_id,
                    parse_mode=ParseMode.HTML,
                )
            elif method == "editMessageReplyMarkup" and query is not None and query.message:
                await bot.edit_message_reply_markup(user.id, query.message.message_id)
            elif method == "answerCallbackQuery" and query is not None:
                await bot.answer_callback_query(query.id, params.get("text"))
            else:
                raise RuntimeError(f"the bare bot cannot replay {method}")


def main(argv: list[str]) -> int:
    bounded = "--bounded" in argv
    argv = [arg for arg in argv if arg != "--bounded"]
    if len(argv) != 1:
        print("usage: bare_bot.py PLAN.json [--bounded]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    replayer = Replayer(Path(argv[0]))
    builder = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3))
    )
    if bounded:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from bot.telegram_app import BoundedRequest

        builder = builder.request(BoundedRequest())
    app = builder.build()
    app.add_handler(TypeHandler(Update, replayer.handle))
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY], close_loop=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
