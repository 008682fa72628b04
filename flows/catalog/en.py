"""Every user-facing string in English, keyed by id (``flows.texts``)."""

from __future__ import annotations

DISCLAIMER_EN = "Note: this is practical guidance, not legal advice."

EN: dict[str, str] = {
    "start": (
        "Kotowari helps you refuse pushy sales calls and make the list broker who sold your details stop providing and delete them — one step at a time.\n"
        "On a call now: /call. After the call: /after.\n"
        "How it works and caveats: /help.\n"
        "日本語: /language ja"
    ),
    "help": (
        "How to use\n"
        "/call — during a sales call: short lines to read aloud, step by step (/call NUMBER also checks the caller)\n"
        "/after — record a call that has ended\n"
        "/who — who is calling? a number or company in your records (or just paste the number)\n"
        "/cases — your cases (/case NUMBER for one in full)\n"
        "/brokers — list brokers you recorded\n"
        "/find — search your cases (company, phone number …)\n"
        "/stats — statistics and chart\n"
        "/cancel — cancel the case in progress\n"
        "/reminders — scheduled reminders\n"
        "/settings — quiet hours, time zone, the letters' saved sender\n"
        "/language — switch language (日本語 / English; or /language ja)\n"
        "/export — export your data   /forget — delete all of it\n"
        "/help — this text\n\n"
        "The steps: 1) refuse firmly 2) ask where they got your details 3) record the list broker 4) call the broker and demand that it stop providing and delete your data.\n"
        "The lines to read aloud are in Japanese (the caller speaks Japanese), with a reading and the meaning in English.\n"
        "Every step has Back, Skip and Cancel. You can also type an option's number or name.\n"
        "\nGood to know\n"
        "- Buying a list is not illegal in itself. A broker that has filed an opt-out notice may provide lists without your consent.\n"
        "- A stop request stops future provision only. Copies already sold stay with the buyers, so other companies may still call: handle them one by one.\n"
        "- When you refuse, it is fine to sound annoyed.\n"
        "\nWhere to turn\n"
        "- Consumer hotline 188 (connects you to the nearest consumer centre; Japanese)\n"
        "- APPI consultation line 03-6457-9849 (weekdays 9:30–17:30; Japanese): how personal data is handled\n"
        "- A real-estate company that keeps calling after you refused: the authority that licensed it (a governor's licence: that prefecture; a minister's licence: the regional bureau for its head office)\n"
        "\n" + DISCLAIMER_EN
    ),
    "no_case": "No case in progress. On a call now: /call. After the call: /after.",
    "unknown_command": "There is no {command} command. /help lists them.",
    "case_paused": "Case #{number} is saved and paused (resume it from /cases).",
    "step.cancelled.text": "Case #{number} cancelled. Its record is kept (/cases).",
    "storage_error": "Couldn't save that. Please send it again (your earlier record is intact).",
    "cancel_nothing": "There is no case to cancel.",
    "when_case_opened": "{when} (when this case was opened)",
    "cancel_which": (
        "Nothing was done to what was on screen. "
        "To cancel case #{number}, which is in progress, send /cancel again."
    ),
    "language_prompt": "Choose a language.",
    "language_unknown": "That language is not available. Choose Japanese or English.",
    "language_set": "Switched to English.",
    "stale_button": "That button belongs to an earlier step. Please use the latest message.",
    "bad_button": "That button cannot be used.",
    "pick_hint": "Tap an option or type its number.",
    "pick_hint_check": (
        "Tap an option. Send the caller's phone number to check your records; to check a "
        "company by name, send “/who company name”."
    ),
    "no_such_option_one": "There is no option {number}. Type 1, or tap the option.",
    "no_such_option": "There is no option {number}. Type a number from 1 to {last}, or tap an option.",
    "source_typed_hint": (
        "To record the source, tap “{named}” first, then type its name."
        " If they gave none, tap “{dodged}”."
    ),
    "reminders_more": "Cancel buttons are shown for the soonest {count}.",
    "reminders_stopped": "This case's scheduled reminders are stopped too ({count}).",
    "reminders_resumed": "The reminders stopped when it was closed are back too ({count}).",
    "reminders_resumed_late": " The {count} that fell due meanwhile will come shortly.",
    "number_not_shown": (
        "Here is the step of the case in progress again. Numbers mean its options, counted "
        "from the top (1, 2 …)."
    ),
    "buttons_answer": (
        "Please answer a message that has buttons by tapping one of them. Nothing you typed "
        "was recorded."
    ),
    "buttons_answer_step": (
        "Please answer a message that has buttons by tapping one of them. Nothing you typed "
        "was recorded. Here is the step of the case in progress again."
    ),
    "call_args_unread": "What follows /call is neither a phone number nor a company name I can read, so the call starts without it.",
    "case_just_opened": "Case #{number} has just been started: carry on with it.",
    "case_just_opened_caller": (
        "Case #{number} ({who}) has just been started. If it is the same call, carry on with "
        "it; if it is another call, tap “📞 It's another call”."
    ),
    "opt.another_call": "📞 It's another call",
    "number_not_shown_text": (
        "Here is the step of the case in progress again. What you type now is recorded as "
        "its answer."
    ),
    "edit_not_read": (
        "Edited messages aren't read (the record keeps what you first sent). To correct it, go "
        "“back” to the question, or tap “✏️ Fix” on the summary at the end of a case's record."
    ),
    "phone_same": "{phone} is already recorded on this case.",
    "phone_second": (
        "This case already has {kept}; {typed} was not recorded (to change it, use “✏️ Fix” "
        "on the summary at the end; to look it up, /who {typed})."
    ),
    "attachment_hint": "Please type text here (photos and stickers are not stored).",
    "attachment_hint_option": (
        "Tap an option or type its number (photos and stickers are not stored)."
    ),
    "empty_text": "An empty message cannot be recorded.",
    "too_long": "Too long (at most {limit} characters). Please shorten it.",
    "first_step": "This is the first step.",
    "cannot_skip": "This step cannot be skipped.",
    "resumed": "Resuming case #{number}.",
    "case_not_found": "Case #{number} was not found.",
    "case_replaced": "That button was for a case that is gone; #{number} is now another case.",
    "case_finished": "Case #{number} is finished.",
    "cases_empty": "No cases yet. On a call now: /call. After the call: /after.",
    "cases_unknown": "unknown",
    "status.closed": "✅ done",
    "status.cancelled": "✖️ cancelled",
    "status.repeat": "⚠️ called again",
    "step.refusing.say": "I have no intention of entering into any contract. Never call me again.",
    "step.refusing.text": (
        "Step 1: refuse firmly. Say the Japanese line below; you owe no reason."
    ),
    "step.pushing.say": (
        "Soliciting after I have refused is, I believe, prohibited by law. Tell me your company's name and your name. If you are a real-estate company, tell me your broker licence number too."
    ),
    "step.pushing.text": "If they keep going, say this, firmly.",
    "step.pushing.note": (
        "Basis: for real estate, Building Lots and Buildings Transaction Business Act (宅地建物取引業法) Art. 47-2(3) and its Enforcement Regulations; for other products, the Act on Specified Commercial Transactions (特定商取引法) Art. 17, where the call is telephone solicitation sales. Note their answers; you will record them afterwards."
    ),
    "step.pushing_again.say": (
        "I have nothing more to say. I will keep a record of this and consult the relevant "
        "authorities. Goodbye."
    ),
    "step.pushing_again.text": (
        "You can hang up now. Note that they kept soliciting after you refused."
    ),
    "opt.refused": "🙅 I refused",
    "opt.pushing": "😤 They keep pushing",
    "opt.ended": "📴 The call ended",
    "opt.backed_off": "🙆 They backed off",
    "step.asking_source.say": (
        "Where did you get my name and number? Tell me the name of the company you got them from."
    ),
    "step.asking_source.text": "Step 2: ask where they got your details.",
    "step.asking_source.note": (
        "A business that received personal data from a third party must "
        "confirm and record the provider and how the provider got it (APPI Art. 30)."
    ),
    "step.pressing_source.say": (
        "By law, your company should have confirmed and recorded the source. "
        "The company name is enough."
    ),
    "step.pressing_source.text": "If they won't say, push once.",
    "step.pressing_source.note": (
        "One push with the APPI Art. 30 duty. If they still won't say, move on."
    ),
    "opt.named": "📝 They named a source",
    "opt.dodged": "🤐 They refuse or dodge",
    "opt.pressing_source.dodged": "🤐 Still won't say",
    "step.after_refusal.text": "Recording a call after it ended. Did you clearly refuse?",
    "opt.yes_refused": "🙅 Yes, I refused",
    "opt.not_refused": "🤷 I didn't manage to",
    "step.after_source.text": "Did they say where they got your details?",
    "opt.after_source.named": "📝 Yes",
    "opt.after_source.dodged": "🤐 No, or I didn't ask",
    "step.recording.intro": "Step 3: record the call. Fill in what you know (you can skip).",
    "step.recording_broker.text": "The list broker's name (their source)?",
    "step.recording_company.text": "The name of the company that called?",
    "step.recording_person.text": "The caller's name?",
    "step.recording_phone.text": "The number they called from?",
    "step.recording_product.text": "What were they selling? Tap an option or type it.",
    "step.recording_licence.text": "Their real-estate licence number? (e.g. 東京都知事(5)第12345号)",
    "step.recording_when.text": "When did the call come? (e.g. 14:30, 11/28 14:30, yesterday 15:00)",
    "current_value": "Currently recorded: {value} (type “clear” to remove it)",
    "opt.skip": "⏭ Skip",
    "opt.keep": "⏭ Keep",
    "opt.back": "↩️ Back",
    "opt.cancel": "✖️ Cancel",
    "opt.property": "🏢 Investment property",
    "opt.other_product": "📦 Something else",
    "opt.now": "🕒 Just now (this call)",
    "product.property": "investment property",
    "product.other": "something else",
    "phone_unparsed": "“{raw}” is not a phone number I can read. It is recorded as typed.",
    "licence_unread": (
        "Recorded as typed. It does not say which governor or the minister issued it (as in"
        " 東京都知事(5)第12345号), so a report could not be addressed. You can look it up by the"
        " company's name in MLIT's 建設業者・宅建業者等企業情報検索システム."
    ),
    "phone_from_contact": "Recorded the number from the shared contact.",
    "phone_no_digits": (
        "“{typed}” has no digits. Send the number that called you: “withheld” if none was"
        " shown, or “skip” if you don't know it."
    ),
    "phone_no_digits_kept": (
        "“{typed}” has no digits. Send the number that called you, or press “⏭ Keep” to keep"
        " the one recorded."
    ),
    "bad_when": (
        "I couldn't read that date and time. Include the time (not in the future), "
        "e.g. 14:30, 11/28 14:30, yesterday 15:00. If you don't know it, skip."
    ),
    "bad_when_kept": (
        "I couldn't read that date and time. Include the time (not in the future), "
        "e.g. 14:30, 11/28 14:30, yesterday 15:00. If the one recorded is right, press “⏭ Keep”."
    ),
    "need_identity": ("To save, record at least one of: company, phone number, broker. Use ✏️ Fix."),
    "repeat_detected": (
        "⚠️ Called again after a refusal. You refused {who} on {date} (case #{number}). "
        "Recorded as evidence of re-solicitation."
    ),
    "repeat_detected_undated": (
        "⚠️ Called again after a refusal. You refused {who} before (case #{number}). "
        "Recorded as evidence of re-solicitation."
    ),
    "repeat_cleared": (
        "After this correction, the call no longer comes after your refusal in case "
        "#{number}, so it is no longer recorded as re-solicitation."
    ),
    "step.confirming.text": "Save this?\n{summary}",
    "step.choosing_fix.text": "Which field do you want to fix?",
    "field.broker_address": "Broker's address",
    "field.broker": "Broker",
    "field.company_address": "Company's address",
    "field.company": "Company",
    "field.person": "Caller's name",
    "field.phone": "Phone",
    "field.product": "Product",
    "field.licence": "Licence",
    "field.when": "When",
    "field.refused": "Refusal",
    "field.source": "Source",
    "field.demand": "Demand to the broker",
    "field.cleared": "(cleared)",
    "field.superseded": "(corrected later)",
    "field.empty": "—",
    "refused_yes": "done ({date})",
    "refused_yes_undated": "done (time not recorded)",
    "refused_no": "not recorded",
    "opt.confirm": "✅ Save",
    "opt.fix": "✏️ Fix",
    "opt.fix_broker": "Broker",
    "opt.fix_company": "Company",
    "opt.fix_person": "Caller's name",
    "opt.fix_phone": "Phone",
    "opt.fix_product": "Product",
    "opt.fix_licence": "Licence",
    "opt.fix_when": "When",
    "step.demanding.text": (
        "Step 4: call the list broker “{broker}” and say this in Japanese. Replace the 〔 〕 parts with your own details."
    ),
    "step.demanding.say": (
        "I am calling about my personal data. "
        "{when}, {company} called me with a sales pitch. "
        "{source} "
        "My name is 〔your name〕 and my number is 〔your number〕. "
        "Stop providing my personal data to third parties. "
        "Stop using it and delete it. "
        "And tell me to whom you have provided it."
    ),
    "step.demanding.note": (
        "A business that provides data to third parties under the opt-out rule must stop when the person asks (APPI Art. 27(2)). Stopping use and erasure is a request under Art. 35 and is not guaranteed. You can also ask to see the record of whom they provided it to (Art. 33). The Personal Information Protection Commission publishes opt-out filings: search 「オプトアウト届出書検索」 on its site to check this broker. A stop request stops future provision only: lists already sold stay with the buyers."
    ),
    "demand_company_unknown": "a company",
    "demand_source.named": "They say they got my details from you.",
    "demand_source.believed": "I believe my details were provided by you.",
    "demand_when": "On {date}",
    "demand_when_unknown": "Recently",
    "opt.agreed": "🙆 They agreed",
    "opt.declined": "🙅 They refused",
    "opt.unreachable": "📵 Unreachable",
    "opt.later": "⏰ Later",
    "outcome.agreed": (
        "Recorded. Note the date and the name of the person you spoke to. "
        "In about two weeks, check whether the provision stopped and the calls died down."
    ),
    "outcome.declined": (
        "Recorded. A broker that provides data under the opt-out rule must stop when the person asks (APPI Art. 27(2)). The next move is a written request. For questions on data handling: APPI consultation line 03-6457-9849 (weekdays 9:30–17:30, Japanese)."
    ),
    "outcome.unreachable": "Recorded. Try again at another time. Resume it from /cases.",
    "outcome.later": "OK, call them later.",
    "outcome.no_source": (
        "Saved. The source is unknown, but if the calling company got your data from a third party, it must have confirmed and recorded where from (APPI Art. 30): you can ask it in writing to disclose that record (Art. 33). Next time they call, ask where they got your details."
    ),
    "step.following_up.recorded": (
        "Case #{number} is recorded. Sold data may already have spread, so handle calls from "
        "other companies one by one."
    ),
    "step.following_up.text": (
        "Case #{number} is being followed up. Sold data may already have spread, so handle "
        "calls from other companies one by one."
    ),
    "step.awaiting_call.text": "Case #{number}: you have not called the broker “{broker}” yet.",
    "step.closed.text": "Case #{number} is done.",
    "opt.resume": "▶ Call the broker",
    "opt.close": "📁 Mark as done",
    "opt.reopen": "↩️ Reopen",
    "opt.start_call": "📞 On a call (/call)",
    "opt.start_after": "📝 After a call (/after)",
    "opt.lang_ja": "日本語",
    "opt.lang_en": "English",
    "keyboard.call": "📞 I'm on a sales call",
    "keyboard.options_prompt": "Choose one:",
    "private_only": "This bot works in private chats only. Please message it directly.",
    "error_generic": "Something went wrong. Please try again (your record is intact).",
    "file_failed": "Couldn't make the file “{filename}”. Your record is saved; please make it again in a moment.",
    "cmd.start": "What this bot does",
    "cmd.call": "During a sales call",
    "cmd.after": "Record a call after it ended",
    "cmd.cases": "Your cases",
    "cmd.cancel": "Cancel the case in progress",
    "cmd.help": "How to use, and caveats",
    "cmd.language": "Switch language",
    "chosen": "→ {label}",
    "step.scheduling.text": (
        "When should I remind you? Tap an option or type a date and time "
        "(e.g. tomorrow 10:00, 12/1 9:30)."
    ),
    "opt.remind_default": "📅 Next business day {when}",
    "opt.remind_evening": "🌆 This evening {when}",
    "evening_passed": "7 pm this evening has passed. Please choose another time.",
    "opt.remind_morning": "🌅 Tomorrow morning {when}",
    "opt.remind_3days": "🗓 In 3 days {when}",
    "bad_remind_time": (
        "I couldn't read that date/time (not in the past, not over a year ahead). "
        "E.g. tomorrow 10:00, 12/1 9:30"
    ),
    "reminder_set": "⏰ I'll remind you {when} ({what}).",
    "reminder_set_quiet": (
        "⏰ I'll remind you {when} ({what}): you get no notifications {quiet}, so it comes "
        "after that (/settings changes this)."
    ),
    "what.call_broker": "call the broker",
    "what.retry_broker": "call the broker again",
    "what.check_compliance": "check your request was handled",
    "what.check_calls": "check the calls stopped",
    # How long ago a reminder's request was made (``flows.reminders.elapsed``).
    "elapsed.day": "{n} day",
    "elapsed.days": "{n} days",
    "elapsed.week": "{n} week",
    "elapsed.weeks": "{n} weeks",
    "elapsed.month": "{n} month",
    "elapsed.months": "{n} months",
    "reminder.call_broker.text": (
        "⏰ Case #{number}: time to call the list broker “{broker}” and demand that it stop "
        "providing and delete your data."
    ),
    "reminder.retry_broker.text": "⏰ Case #{number}: try calling the list broker “{broker}” again.",
    "reminder.check_compliance.text": (
        "⏰ Case #{number}: {elapsed} since you asked {whom} by phone. Did they do what you asked? If not, ask again in writing."
    ),
    "reminder.check_calls.text": (
        "⏰ Case #{number}: it has been {elapsed}. Have the calls from {who} stopped?"
    ),
    "opt.r_again": "⏰ Reminder to answer",
    "opt.r_open": "▶ Open the case",
    "opt.r_done": "✅ Done",
    "opt.r_stopped": "✅ They stopped",
    "opt.r_continued": "📞 They still call",
    "opt.r_snooze_hour": "⏰ In an hour",
    "opt.r_snooze_morning": "🌅 Tomorrow morning",
    "opt.r_snooze_office_morning": "🌅 Next business morning",
    "opt.r_cancel": "✖️ Cancel: {when} #{number}",
    "reminder_called": "Let's record how the call went: choose the broker's answer.",
    "reminder_stopped": (
        "Recorded: the calls stopped. If they call again, record it from the case's "
        "“📞 This company called again”."
    ),
    "reminder_done": "Marked as done.",
    "reminder_snoozed": "⏰ I'll remind you again {when}.",
    "reminder_cancelled": "Reminder cancelled.",
    "reminder_closed": "That reminder is already finished.",
    "reminder_snoozed_already": "This reminder comes again at {when}; answer it then.",
    "again_when": "Case #{number}: when did they call again? (e.g. yesterday 15:00, 11/28 10:30)",
    "opt.again_now": "🕒 Just now",
    "again_before_refusal": (
        "That is before your refusal on {date}. Type when they called after it."
    ),
    "again_before_record": (
        "That is before you recorded this case on {date}. Type when they called after your refusal."
    ),
    "again_cancelled": "Not recorded.",
    "again_recorded_as_case": (
        "A call at that time is already recorded as case #{number} ({date}). "
        "If this was another call, type its date and time. To stop, send /cancel."
    ),
    "again_future": "That time is still to come. Type when they called (e.g. yesterday 15:00).",
    "again_bad_when": (
        "I couldn't read that date and time. E.g. yesterday 15:00, 11/28 10:30. "
        "To record nothing, send /cancel."
    ),
    "repeat_call_recorded": (
        "⚠️ Recorded as a call after your refusal ({date}). For real estate, you can report it to the authority that licensed the company (a governor's licence: that prefecture; a minister's licence: the regional bureau for its head office); otherwise call the consumer hotline 188."
    ),
    "reminders_empty": "No reminders scheduled.",
    "reminders_header": "Scheduled reminders:",
    "reminders_what_whom": "{what} ({whom})",
    "reminders_line": "{when} case #{number}: {what}",
    "settings": (
        "Settings\nTime zone: {tz}\nQuiet hours: {quiet}\n"
        "Tap to change, or type e.g. /settings tz Europe/London, /settings quiet 22-7."
    ),
    "quiet_range": "{start}:00–{end}:00",
    "quiet_none": "none (notify any time)",
    "opt.quiet": "🌙 Quiet {range}",
    "opt.quiet_off": "🔔 Notify any time",
    "opt.tz": "🌏 {tz}",
    "settings_saved": "Settings saved.",
    "settings_sender": "Letters' sender: {name} (saved; used for the next letter)",
    "opt.sender_clear": "🗑 Remove the saved sender",
    "sender_cleared": "The saved sender (name, address, phone number) is removed.",
    "bad_tz": "There is no time zone “{tz}” (e.g. Asia/Tokyo, Europe/London).",
    "bad_quiet": "Type quiet hours like 22-7, as hours from 0 to 23.",
    "cmd.reminders": "Scheduled reminders",
    "cmd.settings": "Quiet hours, time zone, saved sender",
    "status.in_progress": "📝 in progress",
    "status.waiting": "⏳ awaiting a written answer",
    "status.recorded": "📁 recorded",
    "cases_page": "Your cases (newest first), {first}–{last} of {total}:",
    "opt.page_prev": "◀ Newer",
    "opt.page_next": "Older ▶",
    "opt.open_case": "Open #{number}",
    "case.header": "Case #{number} | {status}",
    "case.mode.call": "recorded during the call",
    "case.mode.after": "recorded after the call",
    "case.source_unknown": "Source: they would not say",
    "case.repeat_of": "⚠️ Called again after you refused them in case #{number} on {date}.",
    "case.repeat_of_undated": "⚠️ Called again after you refused them in case #{number}.",
    "case.repeat_of_gone": " (Case #{number} is deleted; when you refused them is kept here.)",
    "case.repeat_of_gone_undated": " (Case #{number} is deleted.)",
    "case.repeat_calls": "⚠️ Calls after your refusal: {count} (last {date})",
    "case.later_cases": "⚠️ Calls after your refusal, recorded as cases: {cases}",
    "case.later_case": "#{number} ({date})",
    "case.timeline": "Timeline:",
    "case.reminders": "Scheduled reminders:",
    "event.fixing": "✏️ Fix: {field}",
    "event.skipped": "{label} ({field})",
    "event.opened": "Opened ({mode})",
    "event.answer": "Recorded {field}: {value}",
    "event.repeat_detected": "Re-solicitation detected (case #{number})",
    "event.repeat_cleared": "Re-solicitation record withdrawn (case #{number})",
    "event.paused": "Paused",
    "event.resumed": "Resumed",
    "event.reminder": "Reminder: {label}",
    "event.repeat_call": "Call after refusal recorded",
    "event.repeat_call_at": "Call after refusal ({when}) recorded",
    "event.letter": "Letter written: {title}",
    "opt.case_continue": "▶ Continue",
    "opt.case_letter": "✉️ Write a letter",
    "opt.case_again": "📞 This company called again",
    "opt.case_close": "📁 Mark as done",
    "opt.case_reopen": "↩️ Reopen",
    "opt.case_delete": "🗑 Delete this case",
    "case_usage": "Usage: /case NUMBER (e.g. /case 3). /cases shows the numbers.",
    "case_delete_repeats": (
        "Calls after the refusal in this case are recorded as case {numbers}. Deleting it "
        "leaves their letters without what you said when you refused (its time stays)."
    ),
    "list_sep": ", ",
    "case_delete_confirm": (
        "This deletes case #{number} with its timeline and reminders. It cannot be undone. "
        "Delete it?"
    ),
    "opt.delete_yes": "🗑 Delete",
    "opt.delete_no": "Keep it",
    "case_deleted": "Case #{number} deleted.",
    "not_deleted": "Nothing was deleted.",
    "case_closed_now": "Case #{number} marked as done.",
    "case_reopened": "Case #{number} reopened.",
    "brokers_empty": "No list brokers recorded yet.",
    "brokers_header": "List brokers you recorded:",
    "brokers_line": "{name} | cases: {count} | {status} | last asked: {date}",
    "brokers_line_named": "{name} | cases: {count} | {status} | last named: {date}",
    "broker_status.not_asked": "not asked yet",
    "broker_status.asked": "to be asked",
    "broker_status.agreed": "agreed",
    "broker_status.refused": "refused",
    "broker_status.no_answer": "no answer",
    "find_usage": "Usage: /find company, caller, phone number or broker (e.g. /find 090-1234-5678)",
    "find_none": "No case matches “{text}”.",
    "find_header": "Cases matching “{text}”:",
    "find_more": "(Showing the newest {count}; type more of the name or number to narrow it down.)",
    "stats": (
        "Statistics\nSales calls: {calls}\n"
        "Calls again after a refusal: {repeats}\n"
        "List brokers: {brokers}\n"
        "Stops/deletions agreed: {agreed}"
    ),
    "stats_chart_title": "Sales calls per month",
    "stats_chart_caption": "Sales calls per month (last 12 months)",
    "export_done": "All your data, exported (JSON and CSV).",
    "forget_confirm": (
        "This deletes all your data (cases, timelines, brokers, reminders, settings). It cannot "
        "be undone. Use /export first if you want a copy."
    ),
    "opt.forget_yes": "🗑 Delete everything",
    "opt.forget_no": "Keep it",
    "forget_expired": "That confirmation is over 15 minutes old. To delete, tap the button below again.",
    "forgotten": "Everything is deleted. This bot keeps no record about you.",
    "forgotten_chat_history": (
        "The messages in this chat stay in Telegram. To remove them, choose "
        "“Clear history” in the chat's menu."
    ),
    "cmd.brokers": "List brokers you recorded",
    "cmd.find": "Search your cases",
    "cmd.stats": "Statistics and chart",
    "cmd.export": "Export your data",
    "cmd.forget": "Delete all your data",
    "cmd.case": "A case in full (/case NUMBER)",
    "letter_choose": "Which letter? (case #{number})",
    "opt.letter_broker_request": "✉️ Request to the list broker",
    "opt.letter_company_request": "✉️ Request to the company that called",
    "opt.letter_resolicitation_report": "📝 Re-solicitation report",
    "letter_none": "This case has no company, number or broker to write to.",
    "letter_saved_sender_phone": "Saved sender: {name} ({address}, phone {phone})",
    "letter_saved_sender": "Saved sender: {name} ({address})",
    "opt.sender_saved": "Use this sender",
    "opt.sender_new": "Enter another name and address",
    "letter_ask_name": "Your full name, as it should appear on the letter?",
    "letter_ask_address": (
        "Your postal address, from the postcode or the prefecture to the block number, "
        "building and room?"
    ),
    "letter_ask_phone": "Your phone number? The business uses it to find your record (you can skip).",
    "letter_ask_phone_report": "Your phone number? The office can reach you on it with questions (you can skip).",
    "letter_ask_keep_phone": "Keep your name, address and phone number for the next letter?",
    "letter_ask_keep": "Keep your name and address for the next letter?",
    "letter_question_again": (
        "Here is the letter's question again. The numbers are the options below, from the top."
    ),
    "letter_first_question": "This is the first question. To stop, tap “✖️ Cancel”.",
    "bad_sender_name": "Please type your name (it appears on the letter as its sender).",
    "bad_sender_address": (
        "Please give the postcode or the prefecture, the block number, and any building and "
        "room (e.g. 150-0001 Tokyo, Shibuya-ku, Jingumae 1-2-3, Jingumae Heights 101). It "
        "appears on the letter as the sender's address."
    ),
    "address_no_number": (
        "I can't see a block number. If the address has none, send the same address again."
    ),
    "letter_ask_recipient": (
        "What is the postal address of “{name}”? Start with the postcode or the prefecture, "
        "down to the block number and building. It goes above the addressee's name (a 内容証明 "
        "letter needs it). If you don't know it, skip (the 内容証明 form leaves a space to "
        "write it in by hand)."
    ),
    "letter_find_broker": (
        "A list broker's address is in its opt-out filing: search 「オプトアウト届出書検索」 on "
        "the Personal Information Protection Commission's website."
    ),
    "letter_find_company": (
        "A company's address is on its website; a real-estate company's is also in MLIT's "
        "「建設業者・宅建業者等企業情報検索システム」."
    ),
    "letter_recipient_known": "The address given before: {address}",
    "opt.recipient_keep": "Use this address",
    "bad_recipient_address": (
        "I couldn't read an address. Give the postcode or the prefecture and the block number "
        "(e.g. 160-0023 Tokyo, Shinjuku-ku, Nishishinjuku 1-2-3, 5F). If you don't know it, skip."
    ),
    "bad_sender_phone": "I couldn't read a phone number. Type its digits, or skip.",
    "opt.keep_sender_yes": "Keep them",
    "opt.keep_sender_no": "Don't keep (this letter only)",
    "letter_done": ("“{title}” is ready (PDF and text). Print it, sign it and send it."),
    "letter_language": "The letter is in Japanese: it goes to a business in Japan.",
    "letter_language_office": "The report is in Japanese: it goes to an office in Japan.",
    "letter_cancelled": "Letter cancelled.",
    "dialog_stale": " It has been over 24 hours since that question; anything typed for it is deleted.",
    "letter_missing_glyphs": (
        "⚠️ The PDF font lacks some characters, so the PDF leaves them out: {chars} "
        "Use the text version, or write them in by hand after printing."
    ),
    "letter_expired": "That letter is already finished.",
    "refused_not": "not refused",
    "opt.no_record": "🔍 They say they have no record of me",
    "outcome.no_record.recorded": (
        "Recorded. When a broker says it has no record of you, the broker you recorded may not be the real source. If the calling company got your data from a third party, it must have confirmed and recorded where from (APPI Art. 30), so you can ask it in writing to disclose that record (Art. 33). And if a broker without an opt-out filing provided your data without consent, that may breach Art. 27(1); you could then ask it to stop providing it (Art. 35(3)) or consult the Personal Information Protection Commission."
    ),
    "outcome.no_record": (
        "Recorded. When a broker says it has no record of you, the caller may have named the wrong source. If the calling company got your data from a third party, it must have confirmed and recorded where from (APPI Art. 30), so you can ask it in writing to disclose that record (Art. 33). And if a broker without an opt-out filing provided your data without consent, that may breach Art. 27(1); you could then ask it to stop providing it (Art. 35(3)) or consult the Personal Information Protection Commission."
    ),
    "coach.not_refused": (
        "Recorded. Next time they call, refuse first (/call gives you the line to read). Without a refusal on record, there is no soliciting-after-refusal to report."
    ),
    "what.write_letter": "send a written request",
    "reminder.check_compliance.letter.text": (
        "⏰ Case #{number}: {elapsed} since you wrote to {whom}. Did they answer? If there is no answer two weeks after it arrived, send a reminder or call the APPI consultation line 03-6457-9849."
    ),
    "reminder.write_letter.text": (
        "⏰ Case #{number}: {whom} would not do it on the phone. Send a written request."
    ),
    "reminder.write_letter.company.text": (
        "⏰ Case #{number}: the list broker says it has no record of you. Ask {whom} in writing where it got your details."
    ),
    "opt.r_complied": "🙆 They did it",
    "opt.r_no_reply": "📭 No answer, or not done",
    "opt.r_letter": "✉️ Write the letter",
    "reminder_complied": "Recorded that they did it.",
    "reminder_no_reply.phone": "Recorded. The next move is a written request.",
    "reminder_no_reply.letter": (
        "Recorded. You can write again (a reminder letter) or call the APPI consultation line 03-6457-9849 (weekdays 9:30–17:30, Japanese)."
    ),
    "status.answer.agreed": "🙆 agreed on the phone",
    "status.answer.refused": "🙅 refused",
    "status.answer.no_record": "🔍 says no record",
    "status.answer.complied": "🙆 done as asked",
    "status.answer.no_reply": "📭 nothing done",
    "broker_status.no_record": "says no record",
    "standing": "Where it stands: {line}",
    "standing.separator": "; ",
    "standing.refused": "refused",
    "standing.not_refused": "not refused",
    "standing.phone": "asked by phone ({date}) → {answer}",
    "standing.letter": "wrote ({date}) → {answer}",
    "standing.unreachable": "could not reach {whom} yet",
    "standing.calls_after": "calls after the refusal: {count}",
    "standing.reported": "re-solicitation report made",
    "standing.nothing": "nothing asked of anyone yet",
    "answer.waiting": "awaiting an answer",
    "answer.agreed": "agreed",
    "answer.refused": "refused",
    "answer.no_record": "says no record",
    "answer.complied": "done as asked",
    "answer.no_reply": "nothing done",
    "addressee.broker": "the list broker “{name}”",
    "addressee.company": "the calling company “{name}”",
    "letter_done_report": ("“{title}” is ready (PDF and text)."),
    "letter_naiyo": (
        "To send it by 内容証明郵便 (certified contents), use the attached 内容証明 PDF (26 characters × 20 lines). Print three identical copies (one is sent; the post office and you each keep one), enclose nothing, and send it as 一般書留 with 配達証明 (proof of delivery) from a post office that handles 内容証明 (usually a larger one). Staple several pages and stamp your seal across each join (契印). Japan Post's online e内容証明 takes it too (check its format rules)."
    ),
    "letter_naiyo_address": (
        "Write the recipient's address in the blank at the end of the 内容証明 form, and above "
        "the addressee's name on the other letter."
    ),
    "letter_disclaimer": DISCLAIMER_EN,
    "letter_ask_office": (
        "In which prefecture is the company's head office? With a minister's licence, the report goes to the regional bureau for that prefecture. If you don't know, skip: the addressee is then left blank to fill in."
    ),
    "bad_office": (
        "I couldn't read a prefecture. E.g. Tokyo, Osaka, Hokkaido (or 東京, 大阪府). If you don't know, skip."
    ),
    "opt.write_letter": "✉️ Write the request",
    "note.broker_unknown": (
        "The list broker's name is not known. Write in the addressee before you send it."
    ),
    "note.optout_search": (
        "The broker's address and how it takes stop requests are in its opt-out filing: search 「オプトアウト届出書検索」 on the Personal Information Protection Commission's website."
    ),
    "note.optout_method": (
        "How the broker takes stop requests is in its opt-out filing: search 「オプトアウト届出書検索」 on the Personal Information Protection Commission's website."
    ),
    "note.post_first": (
        "How to send it: for a first request, 特定記録郵便 (records delivery to the mailbox) or ordinary mail is fine."
    ),
    "note.post_proof": (
        "If you may later need to show when it arrived (APPI Art. 39's two weeks run from the day a request reached the business), send it by 内容証明郵便 with 配達証明: 内容証明 proves what you sent and when you posted it, 配達証明 when it was delivered."
    ),
    "note.post_keep": (
        "Keep a copy of what you sent (with 内容証明, your 謄本) and the post office's receipt."
    ),
    "note.id_check": (
        "The broker may ask for proof of identity. A 内容証明 letter cannot enclose anything, so send it separately once asked."
    ),
    "note.limits": (
        "A stop request stops future provision only. Lists already provided stay with the buyers, so other companies may still call: handle them one by one."
    ),
    "note.no_reply": (
        "If there is no answer two weeks after it arrived, send a reminder or call the APPI consultation line 03-6457-9849 (weekdays 9:30–17:30, Japanese)."
    ),
    "note.company_unknown": (
        "Without the company's name and address it cannot be posted. Next time they call, ask for both."
    ),
    "note.disclosed_source": (
        "Once the company discloses its source (the list broker), you can send the broker a request to stop providing and erase your data."
    ),
    "note.others_heading": "Others you can ask:",
    "note.others_188": "- Consumer hotline 188 (connects you to the nearest consumer centre; Japanese)",
    "note.others_ppc": (
        "- APPI consultation line 03-6457-9849 (weekdays 9:30–17:30, Japanese): questions on personal data"
    ),
    "note.report_sending": (
        "This report is not sent by 内容証明郵便. Before you hand it in, check on the office's website or at its counter which section takes it and how (counter, post, a form of its own)."
    ),
    "note.other_product_hedge": (
        "If what they sold is not real estate, the call may fall under telephone solicitation sales in the Act on Specified Commercial Transactions (特定商取引法) rather than the real-estate act. That act has exclusions, so ask the consumer centre whether it applies."
    ),
    "note.other_product_where": (
        "Where to: call the consumer hotline 188, which connects you to the nearest consumer centre. This document serves as your record when you talk to them."
    ),
    "note.where_governor": (
        "Where to: the real-estate section of {pref}, whose governor licensed the company."
    ),
    "note.where_minister": (
        "Where to: the company has a minister's licence and its head office is in {office}, so {bureau} (its real-estate section)."
    ),
    "note.minister_blank": (
        "The addressee is blank. A company with a minister's licence is reported to the bureau for the prefecture of its head office. Look the head office up in MLIT's company search (建設業者・宅建業者等企業情報検索システム) and write in the bureau from this table (e.g. 関東地方整備局長 殿)."
    ),
    "note.unknown_blank": (
        "The addressee is blank: without the licence number it is not known where to report. Look the company up by name in MLIT's company search (建設業者・宅建業者等企業情報検索システム) for its licence and head office, and write it in like this:"
    ),
    "note.unreadable_blank": (
        "The addressee is blank: the licence number recorded ({licence}) does not say who issued it (a governor or the minister), so it is not known where to report. Look the company up by name in MLIT's company search (建設業者・宅建業者等企業情報検索システム) for its licence and head office, and write it in like this:"
    ),
    "note.unknown_governor": (
        "- A governor's licence (e.g. 東京都知事(5)第12345号): that prefecture's governor (e.g. 東京都知事 殿)"
    ),
    "note.unknown_minister": (
        "- A minister's licence: the head of the bureau for the head office's prefecture (e.g. 関東地方整備局長 殿)"
    ),
    "note.bureau": "- {bureau}: {prefectures}",
    "opt.r_answered": "✉️ They answered (refused, no record …)",
    "reminder_answered": (
        "Recorded. Read their answer carefully. If they refused or say they have no record of you, you can call the APPI consultation line 03-6457-9849 (weekdays 9:30–17:30, Japanese)."
    ),
    "status.answer.answered": "✉️ answered",
    "answer.answered": "answered",
    "not_refused_calls": (
        "So the calls go on. This case has no refusal on record, though, so they cannot be recorded as calls after a refusal. Next time they call, use /call and refuse first."
    ),
    "standing.whom": "{whom}: {steps}",
    "standing.then": ", ",
    # A typed answer sent twice (its reply was lost): not stored in the next field.
    "answer_repeated": (
        "“{value}” is already saved for the previous question. "
        "If it is the answer to this one too, send it once more."
    ),
    "event.answer_repeated": "The same answer arrived again (not stored)",
    # The replies to a saved step could not be sent (Telegram's side failed).
    "send_failed_saved": (
        "A network problem may have kept my reply from reaching you. "
        "What you sent is saved; here is the current step again."
    ),
    "step.refusing.note": (
        "It is fine to sound annoyed: callers are said to share notes on who is unpleasant to call."
    ),
    # --- who is calling? (/who; a number pasted or shared) -------------------------------
    "cmd.who": "Look up a number or a company",
    "who_prompt": "Send the phone number or the company name to look up (pasting is fine).",
    "who_empty": "Give a company name or a phone number, e.g. /who 03-1234-5678",
    "who_cancelled": "Lookup cancelled.",
    "who.refused": "🚫 You refused this caller before: {who} ({date}, case #{number})",
    "who.refused_undated": "🚫 You refused this caller before: {who} (case #{number})",
    "who.company": "Company: {value}",
    "who.person": "Caller: {value}",
    "who.phone": "Number: {value}",
    "who.broker": "List broker: {value}",
    "who.calls_after": "Calls after the refusal: {count} (latest {date})",
    "who.calls_after_undated": "Calls after the refusal: {count}",
    "who.no_calls_after": "No call after the refusal is recorded yet.",
    "who.seen": "📒 On record (case #{number}, {date}), but no refusal is recorded.",
    "who.seen_hint": (
        "If they are calling now, refuse firmly. The case can start with the number filled in."
    ),
    "who.case_gone": (
        "The case #{number} this answer came from is no longer on record, so the new case "
        "starts with the company blank."
    ),
    "who.company_gone": (
        "Case #{number}'s company is no longer on record, so the new case starts with it blank."
    ),
    "who.seen_hint_company": (
        "If they are calling now, refuse firmly. The case can start with the company filled in."
    ),
    "who.unknown_number": (
        "❔ {phone} is not in your records. If this is a first call, refuse firmly as usual."
    ),
    "who.unknown_name": "❔ “{name}” is not in your records.",
    "who.similar": (
        "Similar names are on record (if it is the same company, /who that name):\n{names}"
    ),
    "who.similar_one": "• {company} (case #{number})",
    "who.is_broker": "📒 “{name}” is on record as a list broker ({count} cases; see /brokers).",
    "who.not_them": "All right. Nothing in your records was changed.",
    "who.step_seen": (
        "📒 This number is on record in case #{number} (no refusal recorded). "
        "The number is now on this case."
    ),
    "who.step_unknown": "❔ This number is not in your records. The number is now on this case.",
    "who.step_seen_name": (
        "📒 “{name}” is on record in case #{number} (no refusal recorded). "
        "The company is now on this case."
    ),
    "opt.who_now": "📞 They are calling now",
    "opt.who_earlier": "🕒 They called earlier",
    "opt.who_not": "🙅 Not them",
    "opt.who_call": "📞 On a call (number filled in)",
    "opt.who_after": "📝 After a call (number filled in)",
    "opt.check_number": "🔎 Check the number",
    "step.check_number.text": "🔎 Send the number that is calling (paste it, or share the contact).",
    "step.refusing_again.text": (
        "🚫 You refused this caller before ({date}, case #{number}). "
        "This is a call after your refusal. Say this:"
    ),
    "step.refusing_again.text_undated": (
        "🚫 You refused this caller before (case #{number}). "
        "This is a call after your refusal. Say this:"
    ),
    "say.refused_before": (
        "I clearly refused on {date}. Soliciting after a refusal is prohibited by {law}. "
        "Never call me again."
    ),
    "say.refused_before_undated": (
        "I have already clearly refused. Soliciting after a refusal is prohibited by {law}. "
        "Never call me again."
    ),
    "law.property": "the Building Lots and Buildings Transaction Business Act",
    "law.sales": "the Act on Specified Commercial Transactions",
    "opt.who_call_company": "📞 On a call (company filled in)",
    "opt.who_after_company": "📝 After a call (company filled in)",
    "who.step_refused": "🚫 You refused this caller before ({date}, case #{number}).",
    "who.step_refused_undated": "🚫 You refused this caller before (case #{number}).",
    "who.step_unknown_name": "❔ “{name}” is not in your records. The company is now on this case.",
    "say.refused_before_hedged": (
        "I clearly refused on {date}. Soliciting after a refusal is, I believe, prohibited by "
        "{law}. Never call me again."
    ),
    "say.refused_before_undated_hedged": (
        "I have already clearly refused. Soliciting after a refusal is, I believe, prohibited by "
        "{law}. Never call me again."
    ),
    "say.refused_before_unsure": (
        "I clearly refused on {date}. Soliciting after a refusal is, I believe, prohibited by law. "
        "Never call me again."
    ),
    "say.refused_before_undated_unsure": (
        "I have already clearly refused. Soliciting after a refusal is, I believe, prohibited by law. "
        "Never call me again."
    ),
    "law.note.property": (
        "Basis: Building Lots and Buildings Transaction Business Act (宅地建物取引業法) Art. 47-2(3) "
        "and its Enforcement Regulations (no soliciting after a refusal)."
    ),
    "law.note.sales": (
        "Basis: Act on Specified Commercial Transactions (特定商取引法) Art. 17, where the call is "
        "telephone solicitation sales (no soliciting after a refusal)."
    ),
    "law.note.any": (
        "Basis: for real estate, Building Lots and Buildings Transaction Business Act "
        "(宅地建物取引業法) Art. 47-2(3) and its Enforcement Regulations; for other products, the "
        "Act on Specified Commercial Transactions (特定商取引法) Art. 17, where the call is "
        "telephone solicitation sales."
    ),
}

# --- LINE ---
# The LINE channel's own lines (bot/line_app.py) and the quick-reply buttons' short labels
# (LINE shows at most 20 characters): ``line.opt.X`` stands for ``opt.X`` where that is longer;
# the full label still goes into the chat as what the user chose (displayText).
EN.update(
    {
        "line.forgotten_chat_history": (
            "The messages in this chat stay in LINE. To remove them, choose “Delete chat "
            "history” in the chat's settings."
        ),
        "line.file_coming": "📄 {filename} cannot be sent on LINE right now.",
        "line.file_link": "📎 {name}\n{url}\n(This link works for {minutes} minutes: open it and save the file.)",
        "line.quota_held": (
            "⏰ A reminder could not be sent: this LINE account's monthly message allowance "
            "is used up. /reminders shows what is due."
        ),
        "line.opt.remind_default": "📅 {when}",
        "line.opt.remind_evening": "🌆 {when}",
        "line.opt.remind_morning": "🌅 {when}",
        "line.opt.remind_3days": "🗓 {when}",
        "line.opt.r_cancel": "✖️ #{number} {when}",
        "line.opt.r_snooze_office_morning": "🌅 Next business day",
        "line.opt.named": "📝 Named a source",
        "line.opt.dodged": "🤐 Refused/dodged",
        "line.opt.not_refused": "🤷 Didn't manage",
        "line.opt.after_source.dodged": "🤐 No / didn't ask",
        "line.opt.property": "🏢 Property",
        "line.opt.now": "🕒 Just now",
        "line.opt.start_after": "📝 After a call",
        "line.opt.case_again": "📞 Called again",
        "line.opt.letter_broker_request": "✉️ To the list broker",
        "line.opt.letter_company_request": "✉️ To the caller",
        "line.opt.letter_resolicitation_report": "📝 Re-solicitation",
        "line.opt.sender_new": "Another sender",
        "line.opt.keep_sender_no": "Don't keep",
        "line.opt.no_record": "🔍 No record of me",
        "line.opt.r_no_reply": "📭 No answer yet",
        "line.opt.r_answered": "✉️ They answered",
        "line.opt.who_now": "📞 Calling now",
        "line.opt.who_earlier": "🕒 Called earlier",
        "line.opt.who_call": "📞 On a call",
        "line.opt.who_after": "📝 After a call",
    }
)
