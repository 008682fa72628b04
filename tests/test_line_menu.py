"""LINE's rich menu (bot.line_menu): its image, its request, and its set-up through the
Messaging API SDK against a tiny fake platform on 127.0.0.1 that records the calls."""

from __future__ import annotations

import io
import itertools
import json
import logging
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from bot.line_menu import (
    ALIASES,
    BOUNDS,
    BUTTONS,
    HEIGHT,
    ICON_COLOURS,
    LABEL_X,
    MAX_IMAGE_BYTES,
    NO_TOKEN,
    RIGHT_MARGIN,
    WIDTH,
    data_api_base_for,
    link_user_menu,
    menu_image,
    menu_name,
    rich_menu_request,
    setup_command,
    setup_rich_menus,
)
from flows.texts import LANGUAGES

TOKEN = "test-channel-access-token-9f3b2c7d1e"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMMANDS = ["/call", "/after", "/cases", "/help"]


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return {language: menu_image(language) for language in ("ja", "en")}


# The image


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_image_is_a_png_of_the_compact_size_under_1_mb(
    images: dict[str, bytes], language: str
) -> None:
    data = images[language]
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT) == (2500, 843)
    assert len(data) <= MAX_IMAGE_BYTES


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_area_has_its_pictogram_and_a_label_that_fits(
    images: dict[str, bytes], language: str
) -> None:
    pixels = imread(io.BytesIO(images[language]))[:, :, :3]
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    luminance = pixels @ np.array([0.2126, 0.7152, 0.0722])
    dark = luminance < 0.3  # the label's ink
    for button, (x, y, width, height) in zip(BUTTONS, BOUNDS, strict=True):
        area = dark[y : y + height, x : x + width]
        label = area[:, LABEL_X:]
        assert label.sum() > 2000, f"{button.command}: no label drawn"
        # Nothing dark left of the label but the pictogram, and nothing in the margin
        # before the area's edge: a long label was made smaller, not cut.
        assert not area[:, width - RIGHT_MARGIN // 2 :].any(), f"{button.command} overflows"
        colour = np.array([int(ICON_COLOURS[button.icon][i : i + 2], 16) for i in (1, 3, 5)])
        disc = np.all(np.abs(pixels[y : y + height, x : x + LABEL_X] * 255 - colour) < 3, axis=2)
        assert disc.sum() > 20_000, f"{button.command}: no pictogram"
    # The background is light: dark ink on it has a strong contrast.
    assert np.median(luminance) > 0.9


def test_the_image_is_the_same_bytes_each_time(images: dict[str, bytes]) -> None:
    assert menu_image("ja") == images["ja"]
    assert images["ja"] != images["en"]


# The request


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_areas_cover_the_image_without_overlap_and_send_the_commands(
    language: str,
) -> None:
    request = rich_menu_request(language)
    assert request["size"] == {"width": WIDTH, "height": HEIGHT}
    assert request["selected"] is False
    assert request["name"] == menu_name(language)
    assert 0 < len(request["chatBarText"]) <= 14
    boxes = [area["bounds"] for area in request["areas"]]
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= WIDTH and box["y"] + box["height"] <= HEIGHT
    for a, b in itertools.combinations(boxes, 2):
        apart_x = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
        apart_y = a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
        assert apart_x or apart_y, (a, b)
    assert sum(box["width"] * box["height"] for box in boxes) == WIDTH * HEIGHT
    actions = [area["action"] for area in request["areas"]]
    assert [action["type"] for action in actions] == ["message"] * 4
    assert [action["text"] for action in actions] == COMMANDS
    assert all(0 < len(action["label"]) <= 20 for action in actions)


def test_the_menus_labels_are_those_of_the_issue() -> None:
    labels = {
        language: [area["action"]["label"] for area in rich_menu_request(language)["areas"]]
        for language in ("ja", "en")
    }
    assert labels == {
        "ja": ["📞 営業電話中", "📝 電話のあと", "📂 ケース", "❓ ヘルプ"],
        "en": ["📞 On a call", "📝 After a call", "📂 Cases", "❓ Help"],
    }
    assert set(LANGUAGES) <= {"ja", "en"}  # every language the bot speaks has a menu
    assert rich_menu_request("fr")["name"] == menu_name("en")


def test_the_request_is_valid_for_the_sdk() -> None:
    from linebot.v3.messaging import RichMenuRequest

    for language in ("ja", "en"):
        request = rich_menu_request(language)
        assert RichMenuRequest.from_dict(request).to_dict() == request


def test_a_changed_menu_gets_a_new_version() -> None:
    """When this fails, the menu changed: raise MENU_VERSION (setup then makes new menus)
    and update the fingerprint here."""
    import hashlib

    definition = json.dumps(
        [rich_menu_request(language) for language in ("ja", "en")], sort_keys=True
    )
    assert hashlib.sha256(definition.encode()).hexdigest()[:16] == "373b8de529b8dcaf"


# The set-up, against a fake platform


@dataclass
class Call:
    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeLine:
    """The rich menu endpoints of the Messaging API, recording each call."""

    calls: list[Call] = field(default_factory=list)
    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    refuse: int | None = None  # answer every call with this status
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, call: Call) -> tuple[int, Any]:
        with self.lock:
            self.calls.append(call)
            if self.refuse:
                return self.refuse, {"message": "Authentication failed."}
            return self._route(call)

    def _route(self, call: Call) -> tuple[int, Any]:
        parts = call.path.strip("/").split("/")[2:]  # after v2/bot
        route = (call.host, call.method, *parts)
        match route:
            case ("api", "GET", "richmenu", "list"):
                return 200, {"richmenus": list(self.menus.values())}
            case ("api", "GET", "richmenu", "alias", "list"):
                listed = [{"richMenuAliasId": a, "richMenuId": m} for a, m in self.aliases.items()]
                return 200, {"aliases": listed}
            case ("api", "GET", "richmenu", "alias", alias) if alias in self.aliases:
                return 200, {"richMenuAliasId": alias, "richMenuId": self.aliases[alias]}
            case ("api", "POST", "richmenu"):
                menu_id = f"richmenu-{next(self.counter):032d}"
                self.menus[menu_id] = {"richMenuId": menu_id, **json.loads(call.body)}
                return 200, {"richMenuId": menu_id}
            case (_, "POST", "richmenu", menu_id, "content") if menu_id in self.menus:
                self.images[menu_id] = (call.headers.get("content-type", ""), call.body)
                return 200, {}
            case ("api", "POST", "user", "all", "richmenu", menu_id) if menu_id in self.images:
                self.default = menu_id
                return 200, {}
            case ("api", "POST", "richmenu", "alias"):
                alias = json.loads(call.body)
                if alias["richMenuAliasId"] in self.aliases:
                    return 400, {"message": "conflict richmenu alias id"}
                self.aliases[alias["richMenuAliasId"]] = alias["richMenuId"]
                return 200, {}
            case ("api", "POST", "richmenu", "alias", alias) if alias in self.aliases:
                self.aliases[alias] = json.loads(call.body)["richMenuId"]
                return 200, {}
            case ("api", "DELETE", "richmenu", menu_id) if menu_id in self.menus:
                del self.menus[menu_id]
                self.images.pop(menu_id, None)
                return 200, {}
            case ("api", "POST", "user", user, "richmenu", menu_id) if menu_id in self.images:
                self.links[user] = menu_id
                return 200, {}
            case ("api", "DELETE", "user", user, "richmenu"):
                self.links.pop(user, None)
                return 200, {}
        return 404, {"message": "Not found"}

    def summary(self) -> list[tuple[str, str, str]]:
        return [(call.host, call.method, call.path) for call in self.calls]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, payload = self.server.line.handle(
            Call(self.server.host, self.command, self.path, headers, body)
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, line: FakeLine, host: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.line, self.host = line, host

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@dataclass
class Platform:
    line: FakeLine
    api: str
    data: str


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """The API and the data API on two loopback ports (as api.line.me and api-data.line.me)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # aiohttp trusts the environment
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    line = FakeLine()
    servers = [_Server(line, "api"), _Server(line, "data")]
    threads = [
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        for server in servers
    ]
    for thread in threads:
        thread.start()
    try:
        yield Platform(line, servers[0].url, servers[1].url)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


async def test_setup_creates_both_menus_uploads_their_images_and_sets_the_default(
    platform: Platform, images: dict[str, bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    menus = await setup_rich_menus(platform.api, platform.data, TOKEN)
    line = platform.line
    ja, en = menus.ids["ja"], menus.ids["en"]
    assert line.summary() == [
        ("api", "GET", "/v2/bot/richmenu/list"),
        ("api", "GET", "/v2/bot/richmenu/alias/list"),
        ("api", "POST", "/v2/bot/richmenu"),
        ("data", "POST", f"/v2/bot/richmenu/{ja}/content"),
        ("api", "POST", "/v2/bot/richmenu"),
        ("data", "POST", f"/v2/bot/richmenu/{en}/content"),
        ("api", "POST", f"/v2/bot/user/all/richmenu/{ja}"),
        ("api", "POST", "/v2/bot/richmenu/alias"),
        ("api", "POST", "/v2/bot/richmenu/alias"),
    ]
    assert menus.created == ("ja", "en") and menus.deleted == 0
    assert {key: value for key, value in line.menus[ja].items() if key != "richMenuId"} == (
        rich_menu_request("ja")
    )
    assert line.images[ja] == ("image/png", images["ja"])
    assert line.images[en] == ("image/png", images["en"])
    assert line.default == ja
    assert line.aliases == {ALIASES["ja"]: ja, ALIASES["en"]: en}
    assert all(call.headers["authorization"] == f"Bearer {TOKEN}" for call in line.calls)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "rich menus set up: 2 created" in logged
    assert TOKEN not in logged


async def test_setup_again_keeps_unchanged_menus_and_replaces_old_ones(
    platform: Platform,
) -> None:
    line = platform.line
    first = await setup_rich_menus(platform.api, platform.data, TOKEN)
    line.calls.clear()
    again = await setup_rich_menus(platform.api, platform.data, TOKEN)
    assert again.ids == first.ids and again.created == () and again.deleted == 0
    assert [call.method for call in line.calls] == ["GET", "GET", "POST"]  # only the default

    # An older version of the Japanese menu, a half-made one and someone else's menu.
    line.menus[first.ids["ja"]]["name"] = "kotowari-ja-v0"
    line.menus["richmenu-halfmade"] = {"richMenuId": "richmenu-halfmade", **rich_menu_request("en")}
    line.menus["richmenu-theirs"] = {
        "richMenuId": "richmenu-theirs",
        **rich_menu_request("en"),
        "name": "campaign",
    }
    third = await setup_rich_menus(platform.api, platform.data, TOKEN)
    assert third.created == ("ja",) and third.ids["en"] == first.ids["en"]
    assert third.deleted == 2
    assert set(line.menus) == {third.ids["ja"], first.ids["en"], "richmenu-theirs"}
    assert line.default == third.ids["ja"]
    assert line.aliases[ALIASES["ja"]] == third.ids["ja"]


async def test_an_english_user_is_linked_to_the_english_menu_by_its_alias(
    platform: Platform,
) -> None:
    from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration

    menus = await setup_rich_menus(platform.api, platform.data, TOKEN)
    config = Configuration(host=platform.api, access_token=TOKEN)
    async with AsyncApiClient(config) as client:
        api = AsyncMessagingApi(client)
        await link_user_menu(api, "U0123456789abcdef0123456789abcdef", "en")
        assert platform.line.links == {"U0123456789abcdef0123456789abcdef": menus.ids["en"]}
        await link_user_menu(api, "U0123456789abcdef0123456789abcdef", "ja")
    assert platform.line.links == {}
    assert platform.line.summary()[-3:] == [
        ("api", "GET", f"/v2/bot/richmenu/alias/{ALIASES['en']}"),
        (
            "api",
            "POST",
            f"/v2/bot/user/U0123456789abcdef0123456789abcdef/richmenu/{menus.ids['en']}",
        ),
        ("api", "DELETE", "/v2/bot/user/U0123456789abcdef0123456789abcdef/richmenu"),
    ]


def test_the_command_sets_up_and_says_what_it_did(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    status = setup_command(TOKEN, platform.api + "/", platform.data)
    out, err = capsys.readouterr()
    assert status == 0, err
    ja = platform.line.default
    assert ja is not None
    assert f"rich menu ja: {ja} (created; alias kotowari-ja)" in out
    assert TOKEN not in out + err


def test_the_command_uses_one_root_for_a_fake_platform(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup_command(TOKEN, platform.api) == 0
    assert {call.host for call in platform.line.calls} == {"api"}  # uploads went there too
    assert data_api_base_for("https://api.line.me/") == "https://api-data.line.me"


def test_the_command_without_a_token_says_where_to_get_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert setup_command(None) == 2
    assert setup_command("") == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"{NO_TOKEN}\n{NO_TOKEN}\n"
    assert "LINE Developers console" in NO_TOKEN


def test_a_refused_token_is_reported_without_the_token(
    platform: Platform, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    platform.line.refuse = 401
    assert setup_command(TOKEN, platform.api) == 1
    out, err = capsys.readouterr()
    assert err.startswith("kotowari line setup: failed: LINE API answered 401")
    assert "Authentication failed." in err
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in out + err + logged


def test_an_unreachable_platform_is_reported(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = platform.api.rsplit(":", 1)[0] + ":1"  # nothing listens on port 1
    assert setup_command(TOKEN, closed) == 1
    assert "failed" in capsys.readouterr().err
