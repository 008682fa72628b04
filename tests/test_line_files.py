"""Letters and charts at expiring links (bot.line_files), fetched from a real tornado server
on 127.0.0.1 inside the test's event loop; expiry by the controllable clock."""

from __future__ import annotations

import base64
import itertools
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import tornado.netutil
import tornado.web
from tornado.httpclient import AsyncHTTPClient, HTTPResponse
from tornado.httpserver import HTTPServer

from bot.line_files import (
    DEFAULT_TTL,
    FileLinks,
    content_disposition,
    guess_content_type,
    routes,
    safe_name,
)
from flows.port import Attachment
from tests.conftest import FakeClock

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000


@dataclass
class Site:
    links: FileLinks
    client: AsyncHTTPClient
    origin: str

    async def get(self, url: str, method: str = "GET", body: bytes | None = None) -> HTTPResponse:
        return await self.client.fetch(
            url, method=method, body=body, raise_error=False, follow_redirects=False
        )

    async def path(self, path: str, method: str = "GET") -> HTTPResponse:
        body = b"" if method == "POST" else None
        return await self.get(self.origin + path, method, body)


@asynccontextmanager
async def serving(clock: FakeClock, path: str = "") -> AsyncIterator[Site]:
    """The file routes on a tornado Application (its default access log kept) on a free
    loopback port, and an HTTP client for it."""
    [sock] = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    links = FileLinks(origin + path, clock)
    server = HTTPServer(tornado.web.Application(routes(links)))
    server.add_sockets([sock])
    client = AsyncHTTPClient(force_instance=True)
    try:
        yield Site(links, client, origin)
    finally:
        client.close()
        server.stop()
        await server.close_all_connections()


def token_of(url: str) -> str:
    return urlsplit(url).path.split("/")[2]


async def test_a_letter_is_fetched_with_its_headers(clock: FakeClock) -> None:
    async with serving(clock) as site:
        url = site.links.issue(7, "kotowari-case3-stop-calls.pdf", PDF, "application/pdf")
        assert url.startswith(site.origin + "/files/")
        assert url.endswith("/kotowari-case3-stop-calls.pdf")
        response = await site.get(url)
    assert response.code == 200
    assert response.body == PDF
    headers = response.headers
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == (
        'attachment; filename="kotowari-case3-stop-calls.pdf"; '
        "filename*=UTF-8''kotowari-case3-stop-calls.pdf"
    )
    assert headers["Cache-Control"] == "no-store, private"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Server" not in headers


async def test_a_chart_is_inline_and_fetched_until_it_expires(clock: FakeClock) -> None:
    async with serving(clock) as site:
        url = site.links.issue(7, "calls.png", PNG, "image/png")
        # LINE fetches originalContentUrl and previewImageUrl: both get the image.
        first, second = await site.get(url), await site.get(url)
        clock.advance(seconds=DEFAULT_TTL.total_seconds() - 1)
        last = await site.get(url)
        clock.advance(seconds=1)
        expired = await site.get(url)
    assert [first.code, second.code, last.code] == [200, 200, 200]
    assert first.body == second.body == last.body == PNG
    assert first.headers["Content-Type"] == "image/png"
    assert first.headers["Content-Disposition"].startswith('inline; filename="calls.png"')
    assert expired.code == 404
    assert expired.body != PNG


async def test_expired_unknown_forged_and_garbled_links_get_the_same_404(
    clock: FakeClock,
) -> None:
    async with serving(clock) as site:
        url = site.links.issue(7, "letter.pdf", PDF, "application/pdf")
        old = site.links.issue(7, "old.pdf", PDF, "application/pdf")
        token = token_of(url)
        clock.advance(minutes=5)
        fresh = site.links.issue(7, "fresh.pdf", PDF, "application/pdf")
        clock.advance(minutes=5)  # ``old`` and ``url`` expired, ``fresh`` not
        flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
        answers = {
            "expired": await site.get(old),
            "flipped": await site.path(f"/files/{flipped}/letter.pdf"),
            "unknown": await site.path(f"/files/{'A' * 43}/letter.pdf"),
            "short": await site.path(f"/files/{token[:20]}/letter.pdf"),
            "long": await site.path(f"/files/{token}x/letter.pdf"),
            "no name": await site.path(f"/files/{token}"),
            "listing": await site.path("/files/"),
            "bare": await site.path("/files"),
            "traversal": await site.path(f"/files/{token}/../letter.pdf"),
            "garbled": await site.path("/files/%00%ff/%2e%2e"),
            "post": await site.path(f"/files/{token_of(fresh)}/fresh.pdf", "POST"),
        }
        still = await site.get(fresh)
    assert still.code == 200
    codes = {what: response.code for what, response in answers.items()}
    assert codes.pop("post") == 405
    assert set(codes.values()) == {404}, codes
    bodies = {response.body for what, response in answers.items() if what != "post"}
    assert len(bodies) == 1  # nothing tells an expired link from one that never was
    assert PDF not in bodies


async def test_a_link_is_one_exact_url(clock: FakeClock) -> None:
    async with serving(clock) as site:
        mine = site.links.issue(1, "mine.pdf", PDF, "application/pdf")
        theirs = site.links.issue(2, "theirs.pdf", PDF + b"theirs", "application/pdf")
        mixed = await site.path(f"/files/{token_of(mine)}/theirs.pdf")
        mine_again = await site.get(mine)
        theirs_again = await site.get(theirs)
    assert mixed.code == 404
    assert mine_again.body == PDF and theirs_again.body == PDF + b"theirs"


def test_links_are_random_and_say_nothing_of_the_user_or_of_each_other(
    clock: FakeClock,
) -> None:
    links = FileLinks("https://bot.example.jp", clock)
    urls = [links.issue(user, "calls.png", PNG, "image/png") for user in (1, 2) * 50]
    tokens = [token_of(url) for url in urls]
    assert len(set(tokens)) == len(tokens)
    raw = [base64.urlsafe_b64decode(token + "=") for token in tokens]
    assert {len(value) for value in raw} == {32}
    # Consecutive links (one user's, then another's) share no prefix beyond chance and are
    # not counters: no user id and no sequence in the URL.
    assert max(_common_prefix(a, b) for a, b in itertools.pairwise(raw)) < 4
    numbers = [int.from_bytes(value) for value in raw]
    assert len({b - a for a, b in itertools.pairwise(numbers)}) == len(numbers) - 1
    for url in urls:
        assert urlsplit(url).path.split("/")[1:] == ["files", token_of(url), "calls.png"]
    # Each bit of the tokens is set about half the time: they are not derived from anything.
    ones = sum(bin(number).count("1") for number in numbers)
    assert 0.45 < ones / (256 * len(numbers)) < 0.55


def _common_prefix(a: bytes, b: bytes) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def test_the_memory_cap_drops_the_oldest_first(clock: FakeClock) -> None:
    links = FileLinks("https://bot.example.jp", clock, max_bytes=10_000)
    first = links.issue(1, "a.pdf", b"a" * 4000, "application/pdf")
    second = links.issue(2, "b.pdf", b"b" * 4000, "application/pdf")
    assert links.held_bytes == 8000
    third = links.issue(1, "c.pdf", b"c" * 4000, "application/pdf")
    assert links.held_bytes == 8000 and len(links) == 2
    assert _fetch(links, first) is None
    assert _fetch(links, second) == b"b" * 4000
    assert _fetch(links, third) == b"c" * 4000
    with pytest.raises(ValueError):
        links.issue(1, "huge.pdf", b"x" * 10_001, "application/pdf")
    assert len(links) == 2  # a refused file drops nothing


def _fetch(links: FileLinks, url: str) -> bytes | None:
    token, name = urlsplit(url).path.split("/")[2:]
    served = links.fetch(token, name)
    return None if served is None else served.data


def test_purge_drops_only_expired_files(clock: FakeClock) -> None:
    links = FileLinks("https://bot.example.jp", clock, ttl=timedelta(minutes=2))
    old = links.issue(1, "old.pdf", b"o" * 100, "application/pdf")
    clock.advance(minutes=1)
    new = links.issue(1, "new.pdf", b"n" * 50, "application/pdf")
    assert links.purge() == 0
    clock.advance(minutes=1)
    assert links.purge() == 1
    assert len(links) == 1 and links.held_bytes == 50
    assert _fetch(links, old) is None and _fetch(links, new) == b"n" * 50
    clock.advance(minutes=1)
    assert _fetch(links, new) is None
    assert len(links) == 0 and links.held_bytes == 0  # an expired link found is dropped


def test_issuing_drops_expired_files(clock: FakeClock) -> None:
    links = FileLinks("https://bot.example.jp", clock)
    links.issue(1, "old.pdf", b"o" * 100, "application/pdf")
    clock.advance(minutes=11)
    links.issue(1, "new.pdf", b"n" * 10, "application/pdf")
    assert len(links) == 1 and links.held_bytes == 10


def test_forgetting_a_user_drops_only_their_files(clock: FakeClock) -> None:
    links = FileLinks("https://bot.example.jp", clock)
    mine = [links.issue(1, f"{n}.pdf", b"m", "application/pdf") for n in range(3)]
    theirs = links.issue(2, "t.pdf", b"t", "application/pdf")
    assert links.forget_user(1) == 3
    assert all(_fetch(links, url) is None for url in mine)
    assert _fetch(links, theirs) == b"t"


async def test_logs_carry_neither_token_nor_file_name(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with serving(clock) as site:
        url = site.links.issue(7, "kotowari-case3-stop.pdf", PDF, "application/pdf")
        token = token_of(url)
        await site.get(url)
        await site.path(f"/files/{token[:-2]}zz/kotowari-case3-stop.pdf")
        await site.path(f"/files/{token}/kotowari-case3-stop.pdf", "POST")
        await site.path(f"/files/{token}")
        clock.advance(hours=1)
        await site.get(url)
    text = "\n".join(f"{record.name} {record.getMessage()}" for record in caplog.records)
    assert "file link served" in text and "file link not served" in text
    assert "tornado.access" in text  # the access log did run, without the path
    assert token not in text and token[:-2] not in text
    assert "kotowari-case3" not in text and "127.0.0.1" not in text


def test_names_and_headers_for_japanese_file_names() -> None:
    assert safe_name("請求書 第3号.pdf") == "3.pdf"
    assert safe_name("手紙") == "file"
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("a" * 300 + ".pdf") == "a" * 96 + ".pdf"
    assert content_disposition("手紙.pdf", "application/pdf") == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E6%89%8B%E7%B4%99.pdf"
    )
    assert content_disposition("calls.png", "image/png").startswith("inline;")
    assert guess_content_type("letter.pdf") == "application/pdf"
    assert guess_content_type("calls.png") == "image/png"
    assert guess_content_type("letter.txt") == "text/plain; charset=utf-8"
    assert guess_content_type("noextension") == "application/octet-stream"


async def test_a_japanese_file_name_is_served_under_its_safe_name(clock: FakeClock) -> None:
    async with serving(clock) as site:
        url = site.links.issue(7, "手紙.pdf", PDF, "application/pdf")
        response = await site.get(url)
    assert url.endswith("/file.pdf")
    assert response.code == 200
    assert "filename*=UTF-8''%E6%89%8B%E7%B4%99.pdf" in response.headers["Content-Disposition"]


def test_bad_settings_and_content_types_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="https"):
        FileLinks("http://bot.example.jp", clock)
    with pytest.raises(ValueError):
        FileLinks("https://bot.example.jp", clock, ttl=timedelta(0))
    links = FileLinks("https://bot.example.jp/", clock)
    assert links.issue(1, "a.png", PNG, "image/png").startswith("https://bot.example.jp/files/")
    for bad in ("text/html\r\nSet-Cookie: x=1", "", "image", "text/html; boundary=x"):
        with pytest.raises(ValueError):
            links.issue(1, "a.html", b"x", bad)


async def test_links_under_the_proxys_path_are_served_there(clock: FakeClock) -> None:
    async with serving(clock, path="/line/") as site:
        url = site.links.issue(7, "calls.png", PNG, "image/png")
        assert url.startswith(site.origin + "/line/files/")
        served = await site.get(url)
        elsewhere = await site.path(urlsplit(url).path.removeprefix("/line"))
        listing = await site.path("/line/files/")
    assert served.code == 200 and served.body == PNG
    assert elsewhere.code == 404 and listing.code == 404


async def test_an_engine_attachment_gets_a_link_of_its_type(clock: FakeClock) -> None:
    made = Attachment("kotowari-case3-stop.pdf", lambda: PDF)
    assert made.data == PDF  # made off the event loop, as the adapter does
    async with serving(clock) as site:
        letter = site.links.attachment_link(7, made)
        chart = site.links.attachment_link(7, Attachment("calls.png", PNG, "photo"))
        text = site.links.attachment_link(7, Attachment("letter.txt", "手紙".encode()))
        responses = [await site.get(url) for url in (letter, chart, text)]
    assert [r.headers["Content-Type"] for r in responses] == [
        "application/pdf",
        "image/png",
        "text/plain; charset=utf-8",
    ]
    assert responses[0].body == PDF and responses[2].body.decode() == "手紙"
    with pytest.raises(ValueError, match="not made"):
        site.links.attachment_link(7, Attachment("late.pdf", lambda: PDF))
