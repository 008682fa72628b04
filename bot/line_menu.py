"""LINE's rich menu: the persistent four-button menu under the chat, in Japanese and English.

The menu is 2500×843 px (LINE's compact size) in four areas of two rows: 📞 on a call,
📝 after a call, 📂 cases, ❓ help. Its image is drawn here with matplotlib and the bot's one
Japanese font (``flows.fonts``: IPAexGothic from matplotlib-fontja). The font has no emoji, so
each button's pictogram is drawn as shapes (the telephone is the font's ☎); the label is the
word, with the command it sends under it.

**Message actions, not postbacks.** A tap sends the command ("/call", "/after", "/cases",
"/help") as the user's own message: the chat reads as a log of what they asked for, the
command goes through the same path as one they type (the engine's router, in any state), and
it never goes stale. A menu stays on the user's screen for months, while postback data is
versioned and validated (``displayText`` aside) and an old version would be refused.

**Languages.** ``setup_rich_menus`` (``kotowari line setup``) uploads both menus: the
Japanese one is the channel's default, which every user sees; the English one is reachable by
the rich menu alias ``kotowari-en`` (and the Japanese by ``kotowari-ja``). The adapter shows
the English menu to a user whose language is English with ``link_user_menu`` (on follow and
when the language changes); linking Japanese removes the per-user link, back to the default.
Running setup again keeps menus whose definition is unchanged (the aliases point at them),
and deletes the bot's older menus; users linked to a deleted one see the default until they
are linked again (the adapter links on follow and on a change of language).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from flows.fonts import font_path

if TYPE_CHECKING:
    from linebot.v3.messaging import AsyncMessagingApi

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 2500, 843
MAX_IMAGE_BYTES = 1024 * 1024
DEFAULT_LANGUAGE = "ja"
DEFAULT_API_BASE = "https://api.line.me"
DEFAULT_DATA_API_BASE = "https://api-data.line.me"
# Part of the menus' names: raise it when the image or the areas change, so that setup makes
# new menus (an unchanged version is kept as it is). A test pins the request's fingerprint;
# a change to the drawing alone needs the raise by hand.
MENU_VERSION = 1
NAME_PREFIX = "kotowari-"


@dataclass(frozen=True)
class Button:
    command: str
    icon: str  # which pictogram is drawn
    labels: Mapping[str, str]  # language → the word on the image
    emoji: str  # in the action's label (read out by screen readers; not drawn)


BUTTONS = (
    Button("/call", "phone", {"ja": "営業電話中", "en": "On a call"}, "📞"),
    Button("/after", "memo", {"ja": "電話のあと", "en": "After a call"}, "📝"),
    Button("/cases", "folder", {"ja": "ケース", "en": "Cases"}, "📂"),
    Button("/help", "question", {"ja": "ヘルプ", "en": "Help"}, "❓"),
)
LANGUAGES = ("ja", "en")
CHAT_BAR_TEXT = {"ja": "メニュー", "en": "Menu"}
ALIASES = {language: f"{NAME_PREFIX}{language}" for language in LANGUAGES}

# Two rows of two: the top row 421 px high, the bottom 422 (843 is odd).
_HALF_W, _TOP_H = WIDTH // 2, HEIGHT // 2
BOUNDS = (
    (0, 0, _HALF_W, _TOP_H),
    (_HALF_W, 0, WIDTH - _HALF_W, _TOP_H),
    (0, _TOP_H, _HALF_W, HEIGHT - _TOP_H),
    (_HALF_W, _TOP_H, WIDTH - _HALF_W, HEIGHT - _TOP_H),
)

BACKGROUND = "#f7f9fc"
DIVIDER = "#c3ccd8"
TEXT = "#14213d"  # on BACKGROUND: contrast ~15:1
HINT = "#4a5568"  # the command under the label: ~7:1
ICON_COLOURS = {"phone": "#c0392b", "memo": "#3b6ea5", "folder": "#2e7d4f", "question": "#5d4e8c"}
DPI = 100
ICON_RADIUS = 135
ICON_X = 210  # the pictogram's centre from the area's left edge
LABEL_X = 400  # where the label starts, from the area's left edge
LABEL_PX = 120
HINT_PX = 60
RIGHT_MARGIN = 40  # a label is made smaller rather than come nearer the area's edge


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def menu_name(language: str) -> str:
    """The rich menu's name (not shown to users): the bot's menus are found by it."""
    return f"{NAME_PREFIX}{_language(language)}-v{MENU_VERSION}"


def rich_menu_request(language: str) -> dict[str, Any]:
    """The Messaging API's rich menu object for ``language`` ("ja" or "en")."""
    language = _language(language)
    areas = [
        {
            "bounds": {"x": x, "y": y, "width": width, "height": height},
            "action": {
                "type": "message",
                "label": f"{button.emoji} {button.labels[language]}",
                "text": button.command,
            },
        }
        for button, (x, y, width, height) in zip(BUTTONS, BOUNDS, strict=True)
    ]
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": False,
        "name": menu_name(language),
        "chatBarText": CHAT_BAR_TEXT[language],
        "areas": areas,
    }


def menu_image(language: str) -> bytes:
    """The menu's image for ``language`` as PNG, 2500×843 px (~0.3 s to draw)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    language = _language(language)
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    # Pixel coordinates with the origin at the top left, as the areas' bounds are.
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(HEIGHT, 0)
    axes.set_axis_off()
    axes.set_facecolor(BACKGROUND)
    font = str(font_path())
    for button, (x, y, width, height) in zip(BUTTONS, BOUNDS, strict=True):
        middle = y + height / 2
        _draw_icon(axes, button.icon, x + ICON_X, middle, font)
        size = LABEL_PX
        label = axes.text(
            x + LABEL_X,
            middle - 18,
            button.labels[language],
            fontproperties=FontProperties(fname=font, size=_points(size)),
            color=TEXT,
            va="center",
            ha="left",
        )
        room = width - LABEL_X - RIGHT_MARGIN
        while label.get_window_extent().width > room and size > 40:
            size -= 4
            label.set_fontproperties(FontProperties(fname=font, size=_points(size)))
        axes.text(
            x + LABEL_X + 4,
            middle + 95,
            button.command,
            fontproperties=FontProperties(fname=font, size=_points(HINT_PX)),
            color=HINT,
            va="center",
            ha="left",
        )
    # The dividers between the areas.
    axes.plot([_HALF_W, _HALF_W], [0, HEIGHT], color=DIVIDER, linewidth=_points(6))
    axes.plot([0, WIDTH], [_TOP_H, _TOP_H], color=DIVIDER, linewidth=_points(6))
    buffer = io.BytesIO()
    # No "Software" text chunk: the same menu gives the same bytes.
    figure.savefig(buffer, format="png", facecolor=BACKGROUND, metadata={"Software": None})
    return buffer.getvalue()


def _points(pixels: float) -> float:
    return pixels * 72 / DPI


def _draw_icon(axes: Any, icon: str, cx: float, cy: float, font: str) -> None:
    """A white pictogram on a coloured disc centred at (cx, cy)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon, Rectangle

    axes.add_patch(Circle((cx, cy), ICON_RADIUS, color=ICON_COLOURS[icon]))
    white = "#ffffff"
    if icon in ("phone", "question"):
        glyph, size = ("☎", 170) if icon == "phone" else ("?", 230)
        axes.text(
            cx,
            cy + (6 if icon == "phone" else 8),
            glyph,
            fontproperties=FontProperties(fname=font, size=_points(size)),
            color=white,
            ha="center",
            va="center",
        )
    elif icon == "memo":
        # A note pad with three written lines.
        axes.add_patch(
            FancyBboxPatch(
                (cx - 62, cy - 80),
                124,
                160,
                boxstyle="round,pad=0,rounding_size=14",
                color=white,
            )
        )
        for row in range(3):
            top = cy - 40 + row * 38
            axes.add_patch(
                Rectangle((cx - 40, top), 80, 12, color=ICON_COLOURS["memo"], linewidth=0)
            )
    else:
        # A folder: a tab and its body.
        axes.add_patch(
            Polygon(
                [
                    (cx - 85, cy - 62),
                    (cx - 30, cy - 62),
                    (cx - 12, cy - 44),
                    (cx + 85, cy - 44),
                    (cx + 85, cy + 68),
                    (cx - 85, cy + 68),
                ],
                closed=True,
                color=white,
            )
        )
        axes.add_patch(Rectangle((cx - 85, cy - 28), 170, 6, color=ICON_COLOURS["folder"]))


@dataclass(frozen=True)
class RichMenus:
    """What setup left on the channel: each language's rich menu id, and which ones it made
    (the others were kept from an earlier run)."""

    ids: Mapping[str, str]
    created: tuple[str, ...]
    deleted: int


def data_api_base_for(api_base: str) -> str:
    """Where images are uploaded: LINE's data host for its API, else the same root (a fake
    platform serves both)."""
    api_base = api_base.rstrip("/")
    return DEFAULT_DATA_API_BASE if api_base == DEFAULT_API_BASE else api_base


async def setup_rich_menus(api_base: str, data_api_base: str, access_token: str) -> RichMenus:
    """Create (or keep) the Japanese and English menus with their images, make the Japanese
    one the default, point the aliases at both, and delete the bot's older menus."""
    from linebot.v3.messaging import (
        AsyncApiClient,
        AsyncMessagingApi,
        AsyncMessagingApiBlob,
        Configuration,
        CreateRichMenuAliasRequest,
        RichMenuRequest,
        UpdateRichMenuAliasRequest,
    )

    api_config = Configuration(host=api_base.rstrip("/"), access_token=access_token)
    data_config = Configuration(host=data_api_base.rstrip("/"), access_token=access_token)
    async with AsyncApiClient(api_config) as client, AsyncApiClient(data_config) as data_client:
        api = AsyncMessagingApi(client)
        blob = AsyncMessagingApiBlob(data_client)
        names = {
            menu.rich_menu_id: menu.name for menu in (await api.get_rich_menu_list()).richmenus
        }
        aliases = {
            alias.rich_menu_alias_id: alias.rich_menu_id
            for alias in (await api.get_rich_menu_alias_list()).aliases
        }
        ids: dict[str, str] = {}
        created: list[str] = []
        for language in LANGUAGES:
            # An alias is set only after its menu's image is up: a menu it points at, with
            # this version's name, is complete and is kept.
            current = aliases.get(ALIASES[language])
            if current is not None and names.get(current) == menu_name(language):
                ids[language] = current
                log.info("rich menu (%s): kept", language)
                continue
            request = RichMenuRequest.from_dict(rich_menu_request(language))
            menu_id = (await api.create_rich_menu(request)).rich_menu_id
            image = await asyncio.to_thread(menu_image, language)
            await blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": "image/png"})
            ids[language] = menu_id
            created.append(language)
            log.info("rich menu (%s): created", language)
        await api.set_default_rich_menu(ids[DEFAULT_LANGUAGE])
        for language, menu_id in ids.items():
            alias = ALIASES[language]
            if alias not in aliases:
                await api.create_rich_menu_alias(
                    CreateRichMenuAliasRequest(richMenuAliasId=alias, richMenuId=menu_id)
                )
            elif aliases[alias] != menu_id:
                await api.update_rich_menu_alias(
                    alias, UpdateRichMenuAliasRequest(richMenuId=menu_id)
                )
        # The bot's menus from earlier versions or from a run that stopped half-way.
        stale = [
            menu_id
            for menu_id, name in names.items()
            if (name or "").startswith(NAME_PREFIX) and menu_id not in ids.values()
        ]
        for menu_id in stale:
            await api.delete_rich_menu(menu_id)
    log.info("rich menus set up: %d created, %d old ones deleted", len(created), len(stale))
    return RichMenus(ids, tuple(created), len(stale))


async def link_user_menu(api: AsyncMessagingApi, line_user_id: str, language: str) -> None:
    """Show ``line_user_id`` the menu in ``language``: the default (Japanese) needs no link,
    another language is linked through its alias."""
    language = _language(language)
    if language == DEFAULT_LANGUAGE:
        await api.unlink_rich_menu_id_from_user(line_user_id)
        return
    alias = await api.get_rich_menu_alias(ALIASES[language])
    await api.link_rich_menu_id_to_user(line_user_id, alias.rich_menu_id)


NO_TOKEN = (
    "kotowari line setup: LINE_CHANNEL_ACCESS_TOKEN is not set. Issue one in the LINE "
    "Developers console (your Messaging API channel → Messaging API → Channel access token)."
)


def setup_command(
    access_token: str | None,
    api_base: str | None = None,
    data_api_base: str | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``kotowari line setup``: the rich menus through the API; the exit status (0 done,
    1 the API refused or could not be reached, 2 no access token)."""
    out = out or sys.stdout
    err = err or sys.stderr
    if not access_token:
        print(NO_TOKEN, file=err)
        return 2
    base = (api_base or DEFAULT_API_BASE).rstrip("/")
    data_base = data_api_base or data_api_base_for(base)
    try:
        menus = asyncio.run(setup_rich_menus(base, data_base, access_token))
    except Exception as error:  # the SDK's ApiException, aiohttp's connection errors
        print(f"kotowari line setup: failed: {_describe(error)}", file=err)
        return 1
    for language in LANGUAGES:
        made = "created" if language in menus.created else "unchanged"
        print(
            f"rich menu {language}: {menus.ids[language]} ({made}; alias {ALIASES[language]})",
            file=out,
        )
    print(f"default: {menus.ids[DEFAULT_LANGUAGE]}; old menus deleted: {menus.deleted}", file=out)
    return 0


def _describe(error: BaseException) -> str:
    """The error without request headers (the token): the SDK's status and reason, or the
    error's type and message."""
    status = getattr(error, "status", None)
    if isinstance(status, int):
        said = f"LINE API answered {status} {getattr(error, 'reason', '') or ''}".strip()
        try:
            message = json.loads(getattr(error, "body", None) or "{}").get("message")
        except (ValueError, AttributeError):
            message = None
        return f"{said}: {message}" if isinstance(message, str) else said
    return f"{type(error).__name__}: {error}"
