"""Letters and charts for LINE, served from the bot's own web server at expiring links.

The Messaging API cannot send a document, and an image message carries HTTPS URLs that LINE
fetches itself. So a file the engine attaches is kept here, in memory only (never written to
disk), and the chat gets a link ``{base_url}/files/{token}/{name}``:

- **The token is the capability.** LINE's servers (image messages) and the user's phone (a
  letter's link) fetch without any credential of the user's, so the link's secrecy is what
  keeps a file to the user it was made for. Each token is ``secrets.token_urlsafe(32)``
  (256 random bits): no sequence, no user id, nothing one user's link tells about another's.
  The user id a link was issued for is kept with it (``forget_user`` drops a user's links when
  they erase their data or unfollow), never put in the URL.
- **Looked up by hash.** Tokens are held as SHA-256 digests; a request's token is hashed and
  its digest looked up, so lookup time says nothing about how much of a real token a guess
  shares, and the digest found is compared again with ``hmac.compare_digest``.
- **Valid until it expires, however often fetched.** An image message is fetched at least
  twice (``originalContentUrl`` and ``previewImageUrl``), and again when the phone's cache
  misses; a letter's link may be fetched by a link preview and again when the user retries a
  download. A single-fetch link would answer those with 404, so a link serves its file until
  ``ttl`` (10 minutes) has passed, then it is gone. The short life and the token's secrecy are
  the protection; a link in a chat screenshot is useless minutes later.
- **Bounded.** At most ``max_bytes`` are held; issuing past that drops the oldest files first.
  ``purge()`` drops expired ones (``issue`` does too); the adapter may call it periodically.
- **Nothing served without a valid token**, and the same 404 for an unknown, garbled, forged
  or expired one. Requests are logged without their path (token and file name) or address:
  "file link served" / "file link not served".

Mount with ``routes(links)`` on the adapter's tornado ``Application``. ``base_url`` is the
public HTTPS address of that application, with the path the reverse proxy passes on
unchanged: with ``https://bot.example.jp/line`` the links are ``…/line/files/…`` and the
routes are mounted at ``/line/files/``. ``attachment_link`` is the adapter's ``file_link``
hook (an engine ``Attachment`` whose bytes are made).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import mimetypes
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

import tornado.web

from bot.logs import Throttled
from flows.port import Attachment

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(minutes=10)
# A letter's PDF is ~50-200 KB and a chart ~40 KB: room for a few hundred at once.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
TOKEN_BYTES = 32
# token_urlsafe(32): 32 bytes in unpadded base64url.
_TOKEN = r"[A-Za-z0-9_-]{43}"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")
_CONTENT_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+(; ?charset=[A-Za-z0-9_-]+)?")
# Shown in the chat's own viewer; everything else is a download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def safe_name(filename: str) -> str:
    """``filename`` as one URL path segment of ASCII letters, digits, ``.``, ``_`` and ``-``
    (at most 100 characters, keeping the extension); ``file`` if nothing is left."""
    stem, dot, extension = filename.rpartition(".")
    if not (dot and _EXTENSION.fullmatch(extension)):
        stem, extension = filename, ""
    stem = _UNSAFE.sub("_", stem).strip("._") or "file"
    suffix = f".{extension}" if extension else ""
    return stem[: 100 - len(suffix)] + suffix


def guess_content_type(filename: str) -> str:
    """The content type for a file the engine made (``.pdf``, ``.png``, ``.txt`` …)."""
    kind, _ = mimetypes.guess_type(filename, strict=False)
    if kind is None:
        return "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


@dataclass(frozen=True)
class _Held:
    user_id: int
    filename: str
    name: str  # the URL's name segment
    data: bytes = field(repr=False)
    content_type: str
    expires: datetime


@dataclass(frozen=True)
class Served:
    """A file a valid link gives: what the handler sends."""

    filename: str
    data: bytes = field(repr=False)
    content_type: str


class FileLinks:
    """Files held in memory behind unguessable links, until they expire.

    Thread-safe: ``issue`` may be called from a worker thread that made the file.
    """

    def __init__(
        self,
        base_url: str,
        clock: Callable[[], datetime],
        ttl: timedelta = DEFAULT_TTL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            # LINE fetches images over HTTPS only; plain HTTP is for a fake on loopback.
            raise ValueError("the file links' base URL must be https:// (or loopback http://)")
        if ttl <= timedelta(0) or max_bytes <= 0:
            raise ValueError("ttl and max_bytes must be positive")
        self.base_url = base_url.rstrip("/")
        self.path_prefix = parts.path.rstrip("/")
        self.clock = clock
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._held: OrderedDict[bytes, _Held] = OrderedDict()  # oldest first
        self._bytes = 0
        self._lock = threading.Lock()
        self.not_served = Throttled(log)  # anyone can guess at links: a line a minute

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._held)

    def issue(self, user_id: int, filename: str, data: bytes, content_type: str) -> str:
        """Keep ``data`` for ``ttl`` and return the link that serves it."""
        if not _CONTENT_TYPE.fullmatch(content_type):
            raise ValueError("not a content type")
        if len(data) > self.max_bytes:
            raise ValueError("the file is larger than the links may hold")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        name = safe_name(filename)
        now = self.clock()
        held = _Held(user_id, filename, name, bytes(data), content_type, now + self.ttl)
        with self._lock:
            self._purge(now)
            while self._held and self._bytes + len(data) > self.max_bytes:
                _, oldest = self._held.popitem(last=False)
                self._bytes -= len(oldest.data)
            self._held[_digest(token)] = held
            self._bytes += len(data)
        return f"{self.base_url}/files/{token}/{name}"

    def attachment_link(self, user_id: int, attachment: Attachment) -> str:
        """``issue`` for an engine attachment whose bytes are made (``attachment.ready``: a
        PDF is never typeset here, on the event loop); its type from its name."""
        if not attachment.ready:
            raise ValueError("the attachment's bytes are not made yet")
        content_type = guess_content_type(attachment.filename)
        return self.issue(user_id, attachment.filename, attachment.data, content_type)

    def fetch(self, token: str, name: str) -> Served | None:
        """The file behind a link, or None for an unknown, forged or expired one (an expired
        one is dropped)."""
        digest = _digest(token)
        now = self.clock()
        with self._lock:
            held = self._held.get(digest)
            if held is None:
                return None
            if now >= held.expires:
                self._drop(digest)
                return None
        # The name is not secret, but a link is one exact URL.
        if not hmac.compare_digest(held.name.encode(), name.encode("ascii", "replace")):
            return None
        return Served(held.filename, held.data, held.content_type)

    def purge(self) -> int:
        """Drop the expired files; how many were dropped."""
        with self._lock:
            return self._purge(self.clock())

    def forget_user(self, user_id: int) -> int:
        """Drop every file held for ``user_id`` (erasure, unfollow); how many were dropped."""
        with self._lock:
            gone = [key for key, held in self._held.items() if held.user_id == user_id]
            for key in gone:
                self._drop(key)
            return len(gone)

    def forget_files(self, user_id: int, which: Callable[[str], bool]) -> int:
        """Drop the files held for ``user_id`` whose name ``which`` picks (a deleted case's:
        ``flows.features.writing.holds_case``); how many were dropped."""
        with self._lock:
            gone = [
                key
                for key, held in self._held.items()
                if held.user_id == user_id and which(held.filename)
            ]
            for key in gone:
                self._drop(key)
            return len(gone)

    def _purge(self, now: datetime) -> int:
        gone = [key for key, held in self._held.items() if now >= held.expires]
        for key in gone:
            self._drop(key)
        return len(gone)

    def _drop(self, key: bytes) -> None:
        held = self._held.pop(key, None)
        if held is not None:
            self._bytes -= len(held.data)


def content_disposition(filename: str, content_type: str) -> str:
    """``inline`` for images, else ``attachment``; the name as ASCII and as RFC 5987
    ``filename*`` (UTF-8), so a Japanese file name survives."""
    kind = content_type.split(";")[0].strip()
    disposition = "inline" if kind in INLINE_TYPES else "attachment"
    return f"{disposition}; filename=\"{safe_name(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


class _Quiet(tornado.web.RequestHandler):
    """No path (token, file name) or address in any log line tornado writes for us."""

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        self.set_header("Cache-Control", "no-store, private")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def _request_summary(self) -> str:
        # Tornado's access log and error log use this; by default it is "GET <uri> (<ip>)".
        return f"{self.request.method} /files/…"

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("file link: %s", type(value).__name__)


class FileLinkHandler(_Quiet):
    """``GET /files/<token>/<name>``: the file while its link is valid, else 404."""

    def initialize(self, links: FileLinks) -> None:
        self.links = links

    def get(self, token: str, name: str) -> None:
        served = self.links.fetch(token, name)
        if served is None:
            self.links.not_served.info("file link not served (unknown or expired)")
            raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)
        self.set_header("Content-Type", served.content_type)
        self.set_header(
            "Content-Disposition", content_disposition(served.filename, served.content_type)
        )
        log.info("file link served (%s, %d bytes)", served.content_type, len(served.data))
        self.finish(served.data)


class NotFoundHandler(_Quiet):
    """Anything else under ``/files/``, by any method: 404, as for an unknown token."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(HTTPStatus.NOT_FOUND)


def routes(links: FileLinks) -> list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]]:
    """The file links' routes, to add to the adapter's tornado ``Application``."""
    files = re.escape(links.path_prefix) + "/files"
    return [
        (rf"{files}/({_TOKEN})/({_NAME})", FileLinkHandler, {"links": links}),
        (rf"{files}(?:/.*)?", NotFoundHandler, {}),
    ]
