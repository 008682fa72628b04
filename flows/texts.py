"""Every user-facing string, one catalog per language, keyed by id.

Keys ending in ``.say`` are lines to read aloud on the phone: one breath per sentence.
Placeholders use ``str.format`` names; a test checks both catalogs have the same keys and
the same placeholders. Option labels are looked up as ``opt.<state>.<trigger>`` first and
``opt.<trigger>`` second, so one trigger can read differently at different steps.
Legal references follow shared/domain/legal-ja.md: no sub-numbers that are unverified.
"""

from __future__ import annotations

import string
from datetime import datetime
from zoneinfo import ZoneInfo

DISCLAIMER_JA = "※ これは実務上の手引きであり、法的助言ではありません。"
DISCLAIMER_EN = "Note: this is practical guidance, not legal advice."

JA: dict[str, str] = {
    # --- commands and general -------------------------------------------------
    "start": (
        "断り（Kotowari）は、しつこい営業電話を断り、あなたの情報を売った名簿業者に"
        "削除を求めるまでを、一歩ずつ手伝います。\n"
        "電話中なら /call、電話のあとなら /after。\n"
        "使い方と注意は /help で。"
    ),
    "help": (
        "使い方\n"
        "/call — 営業電話の最中に。読み上げる一言を順に出します\n"
        "/after — 電話が終わったあとに記録する\n"
        "/cases — これまでのケース（続きの再開も）\n"
        "/cancel — 進行中のケースを取り消す\n"
        "/reminders — 予定しているリマインダー\n"
        "/settings — 通知しない時間とタイムゾーン\n"
        "/language — 言語の切り替え（日本語 / English）\n"
        "/help — この説明\n\n"
        "手順: ①はっきり断る ②どこで連絡先を入手したか聞く ③名簿業者を記録する "
        "④名簿業者に電話して、提供の停止と削除を求める。\n"
        "各ステップで「戻る」「スキップ」「中止」が使えます。番号やボタン名を入力しても選べます。\n\n"
        + DISCLAIMER_JA
    ),
    "no_case": "進行中のケースはありません。電話中なら /call、電話のあとなら /after をどうぞ。",
    "unknown_command": "{command} というコマンドはありません。/help で一覧を見られます。",
    "case_paused": "ケース #{number} は保存したまま中断しました（/cases から再開できます）。",
    "step.cancelled.text": "ケース #{number} を中止しました。記録は残してあります（/cases）。",
    "storage_error": "保存できませんでした。もう一度送ってください（これまでの記録はそのままです）。",
    "cancel_nothing": "中止するケースはありません。",
    "language_prompt": "言語を選んでください。",
    "language_set": "日本語に切り替えました。",
    "stale_button": "このボタンは古いステップのものです。最新のメッセージを使ってください。",
    "bad_button": "このボタンは使えません。",
    "pick_hint": "ボタンを押すか、番号を入力してください。",
    "attachment_hint": "ここでは文字で入力してください（写真やスタンプは保存しません）。",
    "attachment_hint_option": "ボタンを押すか、番号を入力してください（写真やスタンプは保存しません）。",
    "empty_text": "空のメッセージは記録できません。",
    "too_long": "長すぎます（{limit}文字まで）。短くして送ってください。",
    "first_step": "これが最初のステップです。",
    "cannot_skip": "このステップはスキップできません。",
    "resumed": "ケース #{number} を再開します。",
    "case_not_found": "ケース #{number} は見つかりません。",
    "case_finished": "ケース #{number} は完了しています。",
    # --- /cases ------------------------------------------------------------------
    "cases_empty": "まだケースはありません。電話中なら /call、電話のあとなら /after。",
    "cases_header": "これまでのケース（新しい順、最大{limit}件）:",
    "cases_line": "#{number} {date} {who}｜業者: {broker}｜{status}",
    "cases_unknown": "不明",
    "cases_resume_hint": "続きから再開するケースを選べます。",
    "opt.resume_case": "▶ #{number} を再開",
    "status.calling": "📞 通話中",
    "status.recording": "📝 記録中",
    "status.demanding": "☎️ 業者へ依頼前",
    "status.awaiting_call": "⏰ 業者へ電話待ち",
    "status.following_up": "⏳ 経過確認中",
    "status.closed": "✅ 完了",
    "status.cancelled": "✖️ 中止",
    "status.repeat": "⚠️ 再勧誘あり",
    # --- step 1: refuse ------------------------------------------------------------
    "step.refusing.say": "購入するつもりはありません。今後、二度と電話しないでください。",
    "step.refusing.text": "① はっきり断る。短く、理由は言わなくて大丈夫です。",
    "step.pushing.say": (
        "お断りしたあとの勧誘は、法律で禁止されています。"
        "御社名と、あなたのお名前を教えてください。"
        "不動産なら、宅建業の免許番号もお願いします。"
    ),
    "step.pushing.text": "まだ続けるなら、強めにこう言います。",
    "step.pushing.note": (
        "根拠: 不動産の勧誘は宅地建物取引業法47条の2第3項と同法施行規則、"
        "その他の商品は特定商取引法17条。答えはメモしておきましょう（あとで記録します）。"
    ),
    "step.pushing_again.say": (
        "これ以上お話しすることはありません。記録して、関係機関に相談します。失礼します。"
    ),
    "step.pushing_again.text": (
        "もう切って構いません。断ったのに続いた勧誘は、それ自体が記録に値します。"
    ),
    "opt.refused": "🙅 断った",
    "opt.pushing": "😤 まだ食い下がる",
    "opt.ended": "📴 電話が切れた",
    "opt.backed_off": "🙆 引き下がった",
    # --- step 2: ask where they got my details -------------------------------------
    "step.asking_source.say": (
        "私の名前と連絡先を、どこで入手しましたか。入手先の会社名を教えてください。"
    ),
    "step.asking_source.text": "② 入手先を聞きます。",
    "step.asking_source.note": (
        "第三者から個人データを受け取った事業者は、提供元と、その入手の経緯を"
        "確認し、記録する義務があります（個人情報保護法30条）。"
    ),
    "step.pressing_source.say": (
        "御社は法律上、入手先を確認して記録しているはずです。会社名だけで結構です。"
    ),
    "step.pressing_source.text": "答えないなら、一度だけ押します。",
    "step.pressing_source.note": (
        "個人情報保護法30条の確認義務を伝える一押しです。それでも答えなければ、先へ進みましょう。"
    ),
    "opt.named": "📝 入手先を言った",
    "opt.dodged": "🤐 答えない・はぐらかす",
    "opt.pressing_source.dodged": "🤐 やはり答えない",
    # --- /after ----------------------------------------------------------------------
    "step.after_refusal.text": "電話のあとの記録です。相手には、はっきり断りましたか？",
    "opt.yes_refused": "🙅 はい、断った",
    "opt.not_refused": "🤷 断れなかった",
    "step.after_source.text": "相手は、あなたの連絡先をどこで入手したか言いましたか？",
    "opt.after_source.named": "📝 言った",
    "opt.after_source.dodged": "🤐 言わなかった・聞けなかった",
    # --- step 3: record ----------------------------------------------------------------
    "step.recording.intro": "③ 記録します。わかる項目だけで大丈夫です（スキップ可）。",
    "step.recording_broker.text": "名簿業者（入手先）の名前は？",
    "step.recording_company.text": "電話をかけてきた会社の名前は？",
    "step.recording_person.text": "担当者の名前は？",
    "step.recording_phone.text": "かかってきた電話番号は？",
    "step.recording_product.text": "何の勧誘でしたか？ボタンで選ぶか、入力してください。",
    "step.recording_licence.text": "宅建業の免許番号は？（例: 東京都知事(5)第12345号）",
    "step.recording_when.text": "電話があった日時は？（例: 14:30、11/28 14:30、昨日 15:00）",
    "current_value": "いまの記録: {value}",
    "opt.skip": "⏭ スキップ",
    "opt.keep": "⏭ このまま",
    "opt.back": "↩️ 戻る",
    "opt.cancel": "✖️ 中止",
    "opt.property": "🏢 投資用マンション・不動産",
    "opt.other_product": "📦 その他",
    "opt.now": "🕒 いま（この電話）",
    "product.property": "投資用マンション・不動産",
    "product.other": "その他",
    "phone_unparsed": "「{raw}」は電話番号として読み取れませんでした。入力どおりに記録します。",
    "phone_from_contact": "共有された連絡先の番号を記録しました。",
    "bad_when": (
        "日時を読み取れませんでした（未来の日時も不可）。例: 14:30、11/28 14:30、昨日 15:00"
    ),
    "need_identity": (
        "保存するには、会社名・電話番号・名簿業者のどれか一つが必要です。「✏️ 修正」から入力してください。"
    ),
    "repeat_detected": (
        "⚠️ 再勧誘です。{who} には {date} にお断り済みです（ケース #{number}）。"
        "断った後の勧誘の証拠として記録しました。"
    ),
    "step.confirming.text": "この内容で保存しますか？\n{summary}",
    "step.choosing_fix.text": "どの項目を直しますか？",
    "field.broker": "名簿業者",
    "field.company": "会社名",
    "field.person": "担当者",
    "field.phone": "電話番号",
    "field.product": "勧誘の内容",
    "field.licence": "免許番号",
    "field.when": "日時",
    "field.refused": "お断り",
    "field.empty": "—",
    "refused_yes": "済み（{date}）",
    "refused_no": "未確認",
    "opt.confirm": "✅ 保存する",
    "opt.fix": "✏️ 修正する",
    "opt.fix_broker": "名簿業者",
    "opt.fix_company": "会社名",
    "opt.fix_person": "担当者",
    "opt.fix_phone": "電話番号",
    "opt.fix_product": "勧誘の内容",
    "opt.fix_licence": "免許番号",
    "opt.fix_when": "日時",
    # --- step 4: demand deletion from the broker -----------------------------------
    "step.demanding.text": (
        "④ 名簿業者「{broker}」に電話して、次のように伝えます。"
        "〔 〕はあなた自身の情報に置き換えてください。"
    ),
    "step.demanding.say": (
        "私の個人情報の件でお電話しました。"
        "{date}に、{company}から勧誘の電話がありました。"
        "その会社は、私の情報を御社から入手したと言っています。"
        "私の氏名は〔あなたの氏名〕、電話番号は〔あなたの番号〕です。"
        "私の個人データの第三者への提供を、停止してください。"
        "利用を停止し、消去してください。"
        "これまでに、どこへ提供したかも教えてください。"
    ),
    "step.demanding.note": (
        "本人の求めで提供を停止することは、オプトアウトで第三者提供する事業者の義務です"
        "（個人情報保護法27条2項）。利用停止・消去は35条の請求で、必ず認められるとは限りません。"
        "提供記録（29条）の開示も求められます。"
        "個人情報保護委員会のサイトの「オプトアウト届出書検索」で、この業者の届出を確認できます。"
    ),
    "demand_company_unknown": "ある会社",
    "opt.agreed": "🙆 応じた",
    "opt.declined": "🙅 拒否・記録なしと言われた",
    "opt.unreachable": "📵 つながらない",
    "opt.later": "⏰ あとでかける",
    "outcome.agreed": (
        "記録しました。応じた日と担当者名をメモしておきましょう。"
        "2週間ほどたったら、提供が止まったか、電話が減ったかを確かめるのが目安です。"
    ),
    "outcome.declined": (
        "記録しました。オプトアウトで提供している業者なら、提供停止の求めに応じる義務があります。"
        "次の手は、書面での請求です。"
        "データの扱いの相談先: 個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）。"
    ),
    "outcome.unreachable": (
        "記録しました。時間を変えて、もう一度かけてみましょう。/cases から再開できます。"
    ),
    "outcome.later": "わかりました。あとで電話しましょう。",
    "outcome.no_source": (
        "保存しました。入手先がわからないため、業者への依頼はできません。"
        "次に電話が来たら、入手先を聞きましょう。"
    ),
    "step.following_up.text": (
        "ケース #{number} は経過確認中です。"
        "売られた情報がすでに広まっていることもあるので、別の会社からの電話も一件ずつ対応しましょう。"
    ),
    "step.awaiting_call.text": "ケース #{number}: 名簿業者「{broker}」への電話がまだです。",
    "step.closed.text": "ケース #{number} を完了にしました。",
    "opt.resume": "▶ 業者に電話する",
    "opt.close": "📁 完了にする",
    "opt.reopen": "↩️ 再開する",
    "opt.start_call": "📞 電話中（/call）",
    "opt.start_after": "📝 電話のあと（/after）",
    "opt.lang_ja": "日本語",
    "opt.lang_en": "English",
    # --- channel-level copy (Telegram) ---------------------------------------------
    "keyboard.call": "📞 営業電話を受けている",
    "keyboard.options_prompt": "どちらかを選んでください。",
    "private_only": "このボットは個別チャットでのみ使えます。ボットに直接メッセージを送ってください。",
    "error_generic": "うまく処理できませんでした。もう一度お試しください（記録はそのままです）。",
    "cmd.start": "はじめに",
    "cmd.call": "営業電話の最中に",
    "cmd.after": "電話のあとに記録する",
    "cmd.cases": "これまでのケース",
    "cmd.cancel": "進行中のケースを中止",
    "cmd.help": "使い方と注意",
    "cmd.language": "言語の切り替え",
    "chosen": "→ {label}",
    # --- follow-up reminders ------------------------------------------------------
    "step.scheduling.text": (
        "いつ知らせましょうか？ボタンで選ぶか、日時を入力してください（例: 明日 10:00、12/1 9:30）。"
    ),
    "opt.remind_default": "📅 次の営業日 {when}",
    "opt.remind_evening": "🌆 今夜 {when}",
    "opt.remind_morning": "🌅 明日の朝 {when}",
    "opt.remind_3days": "🗓 3日後 {when}",
    "bad_remind_time": (
        "日時を読み取れませんでした（過去や1年より先は不可）。例: 明日 10:00、12/1 9:30"
    ),
    "reminder_set": "⏰ {when} にお知らせします（{what}）。",
    "what.call_broker": "名簿業者に電話する",
    "what.retry_broker": "名簿業者にもう一度電話する",
    "what.check_compliance": "業者が応じたかの確認",
    "what.check_calls": "電話が止まったかの確認",
    "reminder.call_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に電話して、提供の停止と削除を求めましょう。"
    ),
    "reminder.retry_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に、もう一度電話してみましょう。"
    ),
    "reminder.check_compliance.text": (
        "⏰ ケース #{number}: 「{broker}」に求めてから2週間です。提供は止まりましたか？"
        "返事がなければ、書面（内容証明郵便など）で求めるのが次の手です。"
    ),
    "reminder.check_calls.text": (
        "⏰ ケース #{number}: 1か月たちました。{who} からの電話は止まりましたか？"
    ),
    "opt.r_open": "▶ ケースを開く",
    "opt.r_done": "✅ 済んだ",
    "opt.r_stopped": "✅ 止まった",
    "opt.r_continued": "📞 まだかかってくる",
    "opt.r_snooze_hour": "⏰ 1時間後に",
    "opt.r_snooze_morning": "🌅 明日の朝に",
    "opt.r_cancel": "✖️ 取り消す: {when} #{number}",
    "reminder_done": "完了にしました。",
    "reminder_snoozed": "⏰ {when} にまたお知らせします。",
    "reminder_cancelled": "リマインダーを取り消しました。",
    "reminder_closed": "このリマインダーはもう終わっています。",
    "repeat_call_recorded": (
        "⚠️ 断った後の電話として記録しました（{date}）。"
        "不動産の勧誘なら、宅建業の免許行政庁（大臣免許は地方整備局、知事免許は都道府県）に、"
        "それ以外は消費者ホットライン188に相談できます。"
    ),
    "reminders_empty": "予定しているリマインダーはありません。",
    "reminders_header": "予定しているリマインダー:",
    "reminders_line": "{when} ケース #{number}: {what}",
    "settings": (
        "設定\nタイムゾーン: {tz}\n通知しない時間: {quiet}\n"
        "ボタンで変えるか、/settings tz Europe/London、/settings quiet 22-7 のように入力してください。"
    ),
    "quiet_range": "{start}時〜{end}時",
    "quiet_none": "なし（いつでも通知）",
    "opt.quiet": "🌙 {range}は通知しない",
    "opt.quiet_off": "🔔 いつでも通知する",
    "opt.tz": "🌏 {tz}",
    "settings_saved": "設定を保存しました。",
    "bad_tz": "「{tz}」というタイムゾーンはありません（例: Asia/Tokyo、Europe/London）。",
    "bad_quiet": "通知しない時間は 22-7 のように、0〜23の時で入力してください。",
    "cmd.reminders": "予定しているリマインダー",
    "cmd.settings": "通知しない時間とタイムゾーン",
}

EN: dict[str, str] = {
    "start": (
        "Kotowari helps you refuse pushy sales calls and make the list broker who sold your "
        "details stop and delete them — one step at a time.\n"
        "On a call now: /call. After the call: /after.\n"
        "How it works and caveats: /help."
    ),
    "help": (
        "How to use\n"
        "/call — during a sales call: short lines to read aloud, step by step\n"
        "/after — record a call that has ended\n"
        "/cases — your cases (and resume one)\n"
        "/cancel — cancel the case in progress\n"
        "/reminders — scheduled reminders\n"
        "/settings — quiet hours and time zone\n"
        "/language — switch language (日本語 / English)\n"
        "/help — this text\n\n"
        "The steps: 1) refuse firmly 2) ask where they got your details 3) record the list "
        "broker 4) call the broker and demand that it stop providing and delete your data.\n"
        "Every step has Back, Skip and Cancel. You can also type an option's number or name.\n\n"
        + DISCLAIMER_EN
    ),
    "no_case": "No case in progress. On a call now: /call. After the call: /after.",
    "unknown_command": "There is no {command} command. /help lists them.",
    "case_paused": "Case #{number} is saved and paused (resume it from /cases).",
    "step.cancelled.text": "Case #{number} cancelled. Its record is kept (/cases).",
    "storage_error": "Couldn't save that. Please send it again (your earlier record is intact).",
    "cancel_nothing": "There is no case to cancel.",
    "language_prompt": "Choose a language.",
    "language_set": "Switched to English.",
    "stale_button": "That button belongs to an earlier step. Please use the latest message.",
    "bad_button": "That button cannot be used.",
    "pick_hint": "Tap an option or type its number.",
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
    "case_finished": "Case #{number} is finished.",
    "cases_empty": "No cases yet. On a call now: /call. After the call: /after.",
    "cases_header": "Your cases (newest first, up to {limit}):",
    "cases_line": "#{number} {date} {who} | broker: {broker} | {status}",
    "cases_unknown": "unknown",
    "cases_resume_hint": "Pick a case to resume.",
    "opt.resume_case": "▶ Resume #{number}",
    "status.calling": "📞 on the call",
    "status.recording": "📝 recording",
    "status.demanding": "☎️ broker not yet asked",
    "status.awaiting_call": "⏰ broker call pending",
    "status.following_up": "⏳ following up",
    "status.closed": "✅ done",
    "status.cancelled": "✖️ cancelled",
    "status.repeat": "⚠️ called again",
    "step.refusing.say": "I will not buy anything. Never call me again.",
    "step.refusing.text": "1) Refuse firmly. Keep it short; you owe no reason.",
    "step.pushing.say": (
        "Soliciting after I have refused is prohibited by law. "
        "Tell me your company's name and your name. "
        "If this is real estate, your broker licence number too."
    ),
    "step.pushing.text": "If they keep going, say this, firmly.",
    "step.pushing.note": (
        "Basis: for real estate, Building Lots and Buildings Transaction Business Act "
        "(宅地建物取引業法) Art. 47-2(3) and its Enforcement Regulations; for other products, "
        "the Act on Specified Commercial Transactions (特定商取引法) Art. 17. Note their "
        "answers; you will record them afterwards."
    ),
    "step.pushing_again.say": (
        "I have nothing more to say. I am recording this and will report it. Goodbye."
    ),
    "step.pushing_again.text": (
        "You can hang up now. Soliciting after a refusal is itself worth recording."
    ),
    "opt.refused": "🙅 I refused",
    "opt.pushing": "😤 They keep pushing",
    "opt.ended": "📴 The call ended",
    "opt.backed_off": "🙆 They backed off",
    "step.asking_source.say": (
        "Where did you get my name and number? Tell me the name of the company you got them from."
    ),
    "step.asking_source.text": "2) Ask for the source.",
    "step.asking_source.note": (
        "A business that received personal data from a third party must "
        "confirm and record the provider and how the provider got it (APPI Art. 30)."
    ),
    "step.pressing_source.say": (
        "By law you must have confirmed and recorded where this came from. "
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
    "opt.after_source.dodged": "🤐 No / I didn't ask",
    "step.recording.intro": "3) Let's record it. Fill in what you know (you can skip).",
    "step.recording_broker.text": "The list broker's name (their source)?",
    "step.recording_company.text": "The name of the company that called?",
    "step.recording_person.text": "The caller's name?",
    "step.recording_phone.text": "The number they called from?",
    "step.recording_product.text": "What were they selling? Tap an option or type it.",
    "step.recording_licence.text": "Their real-estate licence number? (e.g. 東京都知事(5)第12345号)",
    "step.recording_when.text": "When did the call come? (e.g. 14:30, 11/28 14:30, yesterday 15:00)",
    "current_value": "Recorded now: {value}",
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
    "phone_from_contact": "Recorded the number from the shared contact.",
    "bad_when": (
        "I couldn't read that date/time (future times are not allowed). "
        "E.g. 14:30, 11/28 14:30, yesterday 15:00"
    ),
    "need_identity": ("To save, record at least one of: company, phone number, broker. Use ✏️ Fix."),
    "repeat_detected": (
        "⚠️ Called again after a refusal. You refused {who} on {date} (case #{number}). "
        "Recorded as evidence of re-solicitation."
    ),
    "step.confirming.text": "Save this?\n{summary}",
    "step.choosing_fix.text": "Which field do you want to fix?",
    "field.broker": "Broker",
    "field.company": "Company",
    "field.person": "Caller",
    "field.phone": "Phone",
    "field.product": "Product",
    "field.licence": "Licence",
    "field.when": "When",
    "field.refused": "Refusal",
    "field.empty": "—",
    "refused_yes": "done ({date})",
    "refused_no": "not recorded",
    "opt.confirm": "✅ Save",
    "opt.fix": "✏️ Fix",
    "opt.fix_broker": "Broker",
    "opt.fix_company": "Company",
    "opt.fix_person": "Caller",
    "opt.fix_phone": "Phone",
    "opt.fix_product": "Product",
    "opt.fix_licence": "Licence",
    "opt.fix_when": "When",
    "step.demanding.text": (
        "4) Call the list broker “{broker}” and say this. "
        "Replace the 〔 〕 parts with your own details."
    ),
    "step.demanding.say": (
        "I am calling about my personal data. "
        "On {date}, {company} called me with a sales pitch. "
        "They say they got my details from you. "
        "My name is 〔your name〕 and my number is 〔your number〕. "
        "Stop providing my personal data to third parties. "
        "Stop using it and delete it. "
        "And tell me to whom you have provided it."
    ),
    "step.demanding.note": (
        "A business that provides data to third parties under the opt-out rule must stop when "
        "the person asks (APPI Art. 27(2)). Stopping use and erasure is a request under "
        "Art. 35 and is not guaranteed. You can also ask for their provision records (Art. 29). "
        "The Personal Information Protection Commission publishes opt-out filings: search "
        "「オプトアウト届出書検索」 on its site to check this broker."
    ),
    "demand_company_unknown": "a company",
    "opt.agreed": "🙆 They agreed",
    "opt.declined": "🙅 Refused / say no record",
    "opt.unreachable": "📵 Unreachable",
    "opt.later": "⏰ Later",
    "outcome.agreed": (
        "Recorded. Note the date and the name of the person you spoke to. "
        "In about two weeks, check whether the provision stopped and the calls died down."
    ),
    "outcome.declined": (
        "Recorded. A broker providing data under the opt-out rule must honour a stop request. "
        "The next move is a written request. "
        "For questions on data handling: APPI consultation line 03-6457-9849 "
        "(weekdays 9:30–17:30, Japanese)."
    ),
    "outcome.unreachable": "Recorded. Try again at another time. Resume it from /cases.",
    "outcome.later": "OK, call them later.",
    "outcome.no_source": (
        "Saved. The source is unknown, so there is no broker to ask. "
        "Next time they call, ask where they got your details."
    ),
    "step.following_up.text": (
        "Case #{number} is being followed up. Sold data may already have spread, so handle "
        "calls from other companies one by one."
    ),
    "step.awaiting_call.text": "Case #{number}: you have not called the broker “{broker}” yet.",
    "step.closed.text": "Case #{number} marked as done.",
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
    "opt.remind_morning": "🌅 Tomorrow morning {when}",
    "opt.remind_3days": "🗓 In 3 days {when}",
    "bad_remind_time": (
        "I couldn't read that date/time (not in the past, not over a year ahead). "
        "E.g. tomorrow 10:00, 12/1 9:30"
    ),
    "reminder_set": "⏰ I'll remind you {when} ({what}).",
    "what.call_broker": "call the broker",
    "what.retry_broker": "call the broker again",
    "what.check_compliance": "check the broker complied",
    "what.check_calls": "check the calls stopped",
    "reminder.call_broker.text": (
        "⏰ Case #{number}: time to call the list broker “{broker}” and demand that it stop "
        "providing and delete your data."
    ),
    "reminder.retry_broker.text": "⏰ Case #{number}: try calling the list broker “{broker}” again.",
    "reminder.check_compliance.text": (
        "⏰ Case #{number}: two weeks since you asked “{broker}”. Has the provision stopped? "
        "If there is no answer, the next move is a written request (e.g. by certified mail)."
    ),
    "reminder.check_calls.text": (
        "⏰ Case #{number}: a month has passed. Have the calls from {who} stopped?"
    ),
    "opt.r_open": "▶ Open the case",
    "opt.r_done": "✅ Done",
    "opt.r_stopped": "✅ They stopped",
    "opt.r_continued": "📞 They still call",
    "opt.r_snooze_hour": "⏰ In an hour",
    "opt.r_snooze_morning": "🌅 Tomorrow morning",
    "opt.r_cancel": "✖️ Cancel: {when} #{number}",
    "reminder_done": "Marked as done.",
    "reminder_snoozed": "⏰ I'll remind you again {when}.",
    "reminder_cancelled": "Reminder cancelled.",
    "reminder_closed": "That reminder is already finished.",
    "repeat_call_recorded": (
        "⚠️ Recorded as a call after your refusal ({date}). For real estate, you can report it to "
        "the licensing authority (a minister's licence: the regional development bureau; a "
        "governor's licence: the prefecture); otherwise call the consumer hotline 188."
    ),
    "reminders_empty": "No reminders scheduled.",
    "reminders_header": "Scheduled reminders:",
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
    "bad_tz": "There is no time zone “{tz}” (e.g. Asia/Tokyo, Europe/London).",
    "bad_quiet": "Type quiet hours like 22-7, as hours from 0 to 23.",
    "cmd.reminders": "Scheduled reminders",
    "cmd.settings": "Quiet hours and time zone",
}

CATALOGS: dict[str, dict[str, str]] = {"ja": JA, "en": EN}
LANGUAGES = tuple(CATALOGS)
DEFAULT_LANGUAGE = "ja"


def pick_language(hint: str | None) -> str:
    """Map a channel's language hint (e.g. Telegram's ``en-US``) to a catalog."""
    if hint and hint.split("-")[0].lower() == "en":
        return "en"
    return DEFAULT_LANGUAGE


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Texts:
    """One language's catalog with formatting."""

    def __init__(self, language: str) -> None:
        self.language = language if language in CATALOGS else DEFAULT_LANGUAGE
        self._catalog = CATALOGS[self.language]

    def __call__(self, key: str, **values: object) -> str:
        return self._catalog[key].format(**values)

    def has(self, key: str) -> bool:
        return key in self._catalog

    def when(self, moment: datetime, tz: ZoneInfo) -> str:
        """A moment in the user's zone, with the weekday: 12/1(火) 10:00 / Tue 1 Dec 10:00."""
        local = moment.astimezone(tz)
        if self.language == "ja":
            weekday = "月火水木金土日"[local.weekday()]
            return f"{local.month}/{local.day}({weekday}) {local:%H:%M}"
        return f"{local:%a} {local.day} {local:%b %H:%M}"

    def option(self, state: str, trigger: str, **values: object) -> str:
        specific = f"opt.{state}.{trigger}"
        return self(specific if specific in self._catalog else f"opt.{trigger}", **values)
