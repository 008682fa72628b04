"""Walk ``kotowari line`` by hand, with no LINE account: a fake LINE platform and a chat.

Start the fake platform and the chat (this script), then, in another terminal, the bot
pointed at it::

    python scripts/line_walk.py                       # the fake Messaging API on :9900
    LINE_CHANNEL_SECRET=fake-line-channel-secret \\
    LINE_CHANNEL_ACCESS_TOKEN=fake-line-channel-access-token \\
    LINE_API_BASE_URL=http://127.0.0.1:9900 KOTOWARI_DB=/tmp/line-walk.db \\
        .venv/bin/kotowari line

Each line typed here is sent to the bot's webhook as a signed text message from one LINE
user; what the bot replies or pushes is printed, with its quick-reply buttons numbered.
``!N`` presses button N, ``!follow`` / ``!unfollow`` / ``!sticker`` / ``!group TEXT`` send
those events, ``!quota LIMIT USED`` sets the push quota (``!quota none 0``: no limit), an
empty line shows pushes that arrived meanwhile (reminders: ``REMINDER_PERIOD_SECONDS``),
``!quit`` ends. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes.line_platform import FakeLine, LineUser, serving, webhook


def show(line: FakeLine, start: int) -> tuple[int, list[dict[str, Any]]]:
    """Print the replies and pushes since call ``start``; the newest buttons."""
    calls = line.calls[start:]
    buttons: list[dict[str, Any]] = []
    for call in calls:
        if call.path not in ("/v2/bot/message/reply", "/v2/bot/message/push"):
            continue
        kind = "push" if call.path.endswith("push") else "reply"
        for message in call.body.get("messages", []):
            if message.get("type") == "text":
                print(f"[{kind}] {message['text']}")
            else:
                print(f"[{kind}] <{message.get('type')} {message.get('originalContentUrl', '')}>")
            items = (message.get("quickReply") or {}).get("items", [])
            if items:
                buttons = [item["action"] for item in items]
        if call.status >= 300:
            print(f"       (the fake answered {call.status})")
    for number, action in enumerate(buttons, 1):
        print(f"  !{number}  {action['label']}")
    return len(line.calls), buttons


def post(url: str, event: dict[str, Any]) -> None:
    body, headers = webhook([event])
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"(the bot is not answering at {url}: {error})")
        return
    if status != 200:
        print(f"(the webhook answered {status})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9900, help="the fake Messaging API's port")
    parser.add_argument(
        "--webhook",
        default="http://127.0.0.1:8444/line/webhook",
        help="the bot's webhook (LINE_LISTEN, LINE_PORT, LINE_WEBHOOK_PATH)",
    )
    parser.add_argument("--user", default="Uwalk0000000000000000000000000001")
    parser.add_argument("--language", default="ja", help="the LINE profile's language")
    args = parser.parse_args()
    with serving(FakeLine(), args.port) as line:
        line.languages[args.user] = args.language
        person = LineUser(line, args.user)
        print(f"fake LINE platform: LINE_API_BASE_URL={line.base_url}; webhook: {args.webhook}")
        seen, buttons = 0, []
        for raw in sys.stdin:
            text = raw.rstrip("\n")
            command, _, rest = text.partition(" ")
            if text == "!quit":
                break
            if not text:
                pass
            elif command == "!follow":
                post(args.webhook, person.follow())
            elif command == "!unfollow":
                post(args.webhook, person.unfollow())
            elif command == "!sticker":
                post(args.webhook, person.sticker())
            elif command == "!group":
                post(args.webhook, person.in_group(rest or "hello"))
            elif command == "!quota":
                limit, _, used = rest.partition(" ")
                line.limit = None if limit in ("", "none") else int(limit)
                line.used = int(used or 0)
            elif command[1:].isdigit() and command.startswith("!"):
                index = int(command[1:]) - 1
                if not 0 <= index < len(buttons):
                    print("(no such button)")
                    continue
                post(args.webhook, person.postback(buttons[index]["data"]))
            else:
                post(args.webhook, person.text(text))
            seen, shown = show(line, seen)
            buttons = shown or buttons
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
