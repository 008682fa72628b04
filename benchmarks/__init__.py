"""The benchmark harness (``python -m benchmarks.bench``); not shipped with the bot.

It runs from a source checkout, on the shared fake Bot API (``fakes``); see BENCHMARKS.md.
"""
