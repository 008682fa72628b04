"""Test doubles for the tests, the benchmarks and the kill test; never shipped.

One fake per external API (the house style). Telegram's side of the Bot API lives once, in
``fakes.bot_api``; it is reached in process through ``fakes.request.FakeBotApi`` (a
``BaseRequest``: the tests and ``benchmarks/``) or over loopback sockets through
``fakes.server`` (a real HTTP server on 127.0.0.1: ``scripts/killtest.py``,
``scripts/bench_e2e.py``, the replication test).

A top-level package rather than ``tests/support``: the benchmarks and the scripts use it as
much as the tests do, and none of them should import from the test suite. ``pyproject.toml``
names the shipped packages (``bot``, ``flows``), so a wheel leaves ``fakes`` out (a test
checks it).
"""
