"""The product's features, each with its commands, buttons and handlers (``flows.router``).

- ``case_flow`` — a call, step by step: /start, /help, /call, /after, /cancel, the step
  buttons and typed answers;
- ``review`` — looking back: /cases, /case, /brokers, /find, /stats, /export and the buttons
  of a case's page;
- ``called_again`` — "this company called again": when?;
- ``letters`` — writing a letter: which one, to which address, who sends it (made by
  ``writing``; a report's facts gathered by ``reported``);
- ``reminders`` — reminder buttons, /reminders, and what the channels' dispatchers call;
- ``settings`` — /settings, /language, /forget.
"""
