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
        "/cases — これまでのケース（/case 番号 で詳細）\n"
        "/brokers — 記録した名簿業者\n"
        "/find — ケースを検索（会社名・電話番号など）\n"
        "/stats — 統計とグラフ\n"
        "/cancel — 進行中のケースを取り消す\n"
        "/reminders — 予定しているリマインダー\n"
        "/settings — 通知しない時間とタイムゾーン\n"
        "/language — 言語の切り替え（/language en のように直接指定もできます）\n"
        "/export — あなたのデータを書き出す　/forget — すべて削除する\n"
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
    "reminders_more": "取り消しボタンは、近いものから{count}件分です。",
    "reminders_stopped": "このケースのリマインダー（{count}件）も止めました。",
    "number_not_shown": (
        "いま進めているケースのステップをもう一度表示します。"
        "番号は、この下の選択肢の順番（上から1、2…）です。"
    ),
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
    "cases_unknown": "不明",
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
    "step.pressing_source.text": "答えないなら、もう一度だけ念を押します。",
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
        "日時を読み取れませんでした。時刻も入れてください（未来の日時は不可）。"
        "例: 14:30、11/28 14:30、昨日 15:00。わからなければスキップできます。"
    ),
    "need_identity": (
        "保存するには、会社名・電話番号・名簿業者のどれか一つが必要です。「✏️ 修正」から入力してください。"
    ),
    "repeat_detected": (
        "⚠️ 再勧誘です。「{who}」には、{date}にお断り済みです（ケース #{number}）。"
        "断った後の勧誘の証拠として記録しました。"
    ),
    "repeat_detected_undated": (
        "⚠️ 再勧誘です。「{who}」には、以前お断り済みです（ケース #{number}）。"
        "断った後の勧誘の証拠として記録しました。"
    ),
    "repeat_cleared": (
        "修正の結果、ケース #{number} でお断りした後の電話ではなくなったため、"
        "再勧誘の記録を取り消しました。"
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
    "refused_yes_undated": "済み（日時は未記録）",
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
        "{when}、{company}から勧誘の電話がありました。"
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
    "demand_when": "{date}に",
    "demand_when_unknown": "先日",
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
    "step.closed.text": "ケース #{number} は完了しています。",
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
    "file_failed": "ファイル「{filename}」を作れませんでした。記録は保存されています。少したってから、もう一度作ってください。",
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
        "⏰ ケース #{number}: 「{broker}」に求めてから2週間です。求めたとおりに対応されましたか？"
        "返事がなければ、書面（内容証明郵便など）で改めて求めましょう。"
    ),
    "reminder.check_calls.text": (
        "⏰ ケース #{number}: 1か月たちました。「{who}」からの電話は止まりましたか？"
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
    "again_when": "ケース #{number}: また電話があったのはいつですか？（例: 昨日 15:00、11/28 10:30）",
    "opt.again_now": "🕒 たった今",
    "again_before_refusal": (
        "その日時は、お断りした{date}より前です。お断りの後にかかってきた日時を入力してください。"
    ),
    "again_before_record": (
        "その日時は、このケースを記録した{date}より前です。"
        "お断りの後にかかってきた日時を入力してください。"
    ),
    "again_cancelled": "記録をやめました。",
    "again_bad_when": (
        "日時を読み取れませんでした。例: 昨日 15:00、11/28 10:30。"
        "記録をやめるときは /cancel を送ってください。"
    ),
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
    # --- reviewing cases ------------------------------------------------------------
    "status.in_progress": "📝 進行中",
    "status.requested": "📨 削除依頼済み",
    "status.waiting": "⏳ 返答待ち",
    "status.recorded": "📁 記録済み",
    "cases_page": "これまでのケース（新しい順）{first}〜{last}件目／全{total}件:",
    "opt.page_prev": "◀ 新しい方へ",
    "opt.page_next": "古い方へ ▶",
    "opt.open_case": "#{number} を見る",
    "case.header": "ケース #{number}｜{status}",
    "case.mode.call": "通話中に記録",
    "case.mode.after": "通話後に記録",
    "case.source_unknown": "入手先: 聞き出せず",
    "case.repeat_of": "⚠️ ケース #{number}（{date}）でお断り済みの相手からの再勧誘です。",
    "case.repeat_of_undated": "⚠️ ケース #{number} でお断り済みの相手からの再勧誘です。",
    "case.repeat_calls": "⚠️ 断った後の電話: {count}回（最後 {date}）",
    "case.timeline": "経過:",
    "case.reminders": "予定しているリマインダー:",
    "event.opened": "開始（{mode}）",
    "event.answer": "記録 {field}: {value}",
    "event.repeat_detected": "再勧誘を検出（ケース #{number}）",
    "event.repeat_cleared": "再勧誘の記録を取り消し（ケース #{number}）",
    "event.paused": "中断",
    "event.resumed": "再開",
    "event.reminder": "リマインダー: {label}",
    "event.repeat_call": "断った後の電話を記録",
    "event.letter": "書面を作成: {title}",
    "opt.case_continue": "▶ 続ける",
    "opt.case_letter": "✉️ 書面を作る",
    "opt.case_again": "📞 この会社からまた電話があった",
    "opt.case_close": "📁 完了にする",
    "opt.case_reopen": "↩️ 再開する",
    "opt.case_delete": "🗑 このケースを削除",
    "case_usage": "使い方: /case 番号（例: /case 3）。番号は /cases で見られます。",
    "case_delete_confirm": (
        "ケース #{number} を、経過とリマインダーごと削除します。元に戻せません。よろしいですか？"
    ),
    "opt.delete_yes": "🗑 削除する",
    "opt.delete_no": "やめる",
    "case_deleted": "ケース #{number} を削除しました。",
    "not_deleted": "削除しませんでした。",
    "case_closed_now": "ケース #{number} を完了にしました。",
    "case_reopened": "ケース #{number} を再開しました。",
    "brokers_empty": "まだ名簿業者の記録はありません。",
    "brokers_header": "記録した名簿業者:",
    "brokers_line": "{name}｜{count}件｜{status}｜最終: {date}",
    "broker_status.not_asked": "未依頼",
    "broker_status.asked": "依頼予定",
    "broker_status.agreed": "応じた",
    "broker_status.refused": "拒否",
    "broker_status.no_answer": "応答なし",
    "find_usage": "使い方: /find 会社名・担当者名・電話番号・業者名（例: /find 090-1234-5678）",
    "find_none": "「{text}」に当てはまるケースはありません。",
    "find_header": "「{text}」の検索結果:",
    "stats": (
        "統計\n営業電話: {calls}件\n断った後の再勧誘: {repeats}件\n名簿業者: {brokers}社\n"
        "削除・停止に応じた: {agreed}件"
    ),
    "stats_chart_title": "月ごとの営業電話",
    "stats_chart_caption": "月ごとの営業電話（過去12か月）",
    "export_done": "あなたのデータをすべて書き出しました（JSON と CSV）。",
    "forget_confirm": (
        "あなたのデータ（ケース、経過、名簿業者、リマインダー、設定）をすべて削除します。"
        "元に戻せません。必要なら先に /export で保存してください。"
    ),
    "opt.forget_yes": "🗑 すべて削除する",
    "opt.forget_no": "やめる",
    "forgotten": "すべて削除しました。このボットには、あなたについての記録は残っていません。",
    "forgotten_chat_history": (
        "このチャットのメッセージは Telegram に残っています。"
        "消すには、チャットのメニューから履歴を消去してください。"
    ),
    "cmd.brokers": "記録した名簿業者",
    "cmd.find": "ケースを検索",
    "cmd.stats": "統計とグラフ",
    "cmd.export": "データの書き出し",
    "cmd.forget": "データをすべて削除",
    "cmd.case": "ケースの詳細（/case 番号）",
    # --- written requests ---------------------------------------------------------
    "letter_choose": "どの書面を作りますか？（ケース #{number}）",
    "opt.letter_broker_request": "✉️ 名簿業者への請求書",
    "opt.letter_company_request": "✉️ 電話してきた会社への請求書",
    "opt.letter_resolicitation_report": "📝 再勧誘の申告書",
    "letter_none": "このケースには、書面に必要な会社名・電話番号・名簿業者の記録がありません。",
    "letter_saved_sender": "保存してある差出人: {name}（{address}）",
    "opt.sender_saved": "この差出人で作る",
    "opt.sender_new": "別の氏名・住所を入力する",
    "letter_ask_name": "書面に載せる、あなたの氏名を入力してください。",
    "letter_ask_address": "あなたの住所を入力してください（郵便番号から）。",
    "letter_ask_phone": "あなたの電話番号は？業者が記録を探すのに使います（スキップ可）。",
    "letter_ask_keep": "氏名と住所を、次の書面のために保存しますか？",
    "opt.keep_sender_yes": "保存する",
    "opt.keep_sender_no": "保存しない（この書面だけ）",
    "letter_done": (
        "「{title}」を作りました（PDF とテキスト）。印刷して署名・押印し、"
        "内容証明郵便などで送れます。"
    ),
    "letter_language": "",
    "letter_cancelled": "書面の作成をやめました。",
    "letter_missing_glyphs": (
        "⚠️ PDF のフォントにない文字があり、PDF では抜けています: {chars}\n"
        "テキスト版を使うか、印刷後に手書きで補ってください。"
    ),
    "letter_expired": "この書面の作成は、もう終わっています。",
    # A typed answer sent twice (its reply was lost): not stored in the next field.
    "answer_repeated": (
        "「{value}」は、ひとつ前の項目に保存済みです。"
        "この項目も同じ内容でよければ、もう一度送ってください。"
    ),
    "event.answer_repeated": "同じ入力の再送を受け取りました（保存はしていません）",
    # The replies to a saved step could not be sent (Telegram's side failed).
    "send_failed_saved": (
        "通信の問題で、返信をお届けできなかったかもしれません。"
        "お送りいただいた内容は保存されています。今のステップをもう一度表示します。"
    ),
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
        "/cases — your cases (/case NUMBER for one in full)\n"
        "/brokers — list brokers you recorded\n"
        "/find — search your cases (company, phone number …)\n"
        "/stats — statistics and chart\n"
        "/cancel — cancel the case in progress\n"
        "/reminders — scheduled reminders\n"
        "/settings — quiet hours and time zone\n"
        "/language — switch language (日本語 / English; or /language ja)\n"
        "/export — export your data   /forget — delete all of it\n"
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
    "reminders_more": "Cancel buttons are shown for the soonest {count}.",
    "reminders_stopped": "This case's scheduled reminders are stopped too ({count}).",
    "number_not_shown": (
        "Here is the step of the case in progress again. Numbers mean its options, counted "
        "from the top (1, 2 …)."
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
    "case_finished": "Case #{number} is finished.",
    "cases_empty": "No cases yet. On a call now: /call. After the call: /after.",
    "cases_unknown": "unknown",
    "status.closed": "✅ done",
    "status.cancelled": "✖️ cancelled",
    "status.repeat": "⚠️ called again",
    "step.refusing.say": "I will not buy anything. Never call me again.",
    "step.refusing.text": "Step 1: refuse firmly. Keep it short; you owe no reason.",
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
    "step.asking_source.text": "Step 2: ask where they got your details.",
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
    "step.recording.intro": "Step 3: record the call. Fill in what you know (you can skip).",
    "step.recording_broker.text": "The list broker's name (their source)?",
    "step.recording_company.text": "The name of the company that called?",
    "step.recording_person.text": "The caller's name?",
    "step.recording_phone.text": "The number they called from?",
    "step.recording_product.text": "What were they selling? Tap an option or type it.",
    "step.recording_licence.text": "Their real-estate licence number? (e.g. 東京都知事(5)第12345号)",
    "step.recording_when.text": "When did the call come? (e.g. 14:30, 11/28 14:30, yesterday 15:00)",
    "current_value": "Currently recorded: {value}",
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
        "I couldn't read that date and time. Include the time (not in the future), "
        "e.g. 14:30, 11/28 14:30, yesterday 15:00. If you don't know it, skip."
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
    "refused_yes_undated": "done (time not recorded)",
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
        "Step 4: call the list broker “{broker}” and say this. "
        "Replace the 〔 〕 parts with your own details."
    ),
    "step.demanding.say": (
        "I am calling about my personal data. "
        "{when}, {company} called me with a sales pitch. "
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
    "demand_when": "On {date}",
    "demand_when_unknown": "Recently",
    "opt.agreed": "🙆 They agreed",
    "opt.declined": "🙅 Refused, or say they have no record",
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
        "⏰ Case #{number}: two weeks since your request to “{broker}”. Did they do what you "
        "asked? If there is no answer, ask again in writing (e.g. by certified mail)."
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
    "again_when": "Case #{number}: when did they call again? (e.g. yesterday 15:00, 11/28 10:30)",
    "opt.again_now": "🕒 Just now",
    "again_before_refusal": (
        "That is before your refusal on {date}. Type when they called after it."
    ),
    "again_before_record": (
        "That is before you recorded this case on {date}. Type when they called after your refusal."
    ),
    "again_cancelled": "Not recorded.",
    "again_bad_when": (
        "I couldn't read that date and time. E.g. yesterday 15:00, 11/28 10:30. "
        "To record nothing, send /cancel."
    ),
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
    "status.in_progress": "📝 in progress",
    "status.requested": "📨 deletion requested",
    "status.waiting": "⏳ awaiting a reply",
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
    "case.repeat_calls": "⚠️ Calls after your refusal: {count} (last {date})",
    "case.timeline": "Timeline:",
    "case.reminders": "Scheduled reminders:",
    "event.opened": "Opened ({mode})",
    "event.answer": "Recorded {field}: {value}",
    "event.repeat_detected": "Re-solicitation detected (case #{number})",
    "event.repeat_cleared": "Re-solicitation record withdrawn (case #{number})",
    "event.paused": "Paused",
    "event.resumed": "Resumed",
    "event.reminder": "Reminder: {label}",
    "event.repeat_call": "Call after refusal recorded",
    "event.letter": "Letter written: {title}",
    "opt.case_continue": "▶ Continue",
    "opt.case_letter": "✉️ Write a letter",
    "opt.case_again": "📞 This company called again",
    "opt.case_close": "📁 Mark as done",
    "opt.case_reopen": "↩️ Reopen",
    "opt.case_delete": "🗑 Delete this case",
    "case_usage": "Usage: /case NUMBER (e.g. /case 3). /cases shows the numbers.",
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
    "brokers_line": "{name} | cases: {count} | {status} | last: {date}",
    "broker_status.not_asked": "not asked yet",
    "broker_status.asked": "to be asked",
    "broker_status.agreed": "agreed",
    "broker_status.refused": "refused",
    "broker_status.no_answer": "no answer",
    "find_usage": "Usage: /find company, caller, phone number or broker (e.g. /find 090-1234-5678)",
    "find_none": "No case matches “{text}”.",
    "find_header": "Cases matching “{text}”:",
    "stats": (
        "Statistics\nSales calls: {calls}\nCalls again after a refusal: {repeats}\n"
        "List brokers: {brokers}\nDeletions/stops agreed: {agreed}"
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
    "letter_saved_sender": "Saved sender: {name} ({address})",
    "opt.sender_saved": "Use this sender",
    "opt.sender_new": "Enter another name and address",
    "letter_ask_name": "Your full name, as it should appear on the letter?",
    "letter_ask_address": "Your postal address (starting with the postcode)?",
    "letter_ask_phone": "Your phone number? The business uses it to find your record (you can skip).",
    "letter_ask_keep": "Keep your name and address for the next letter?",
    "opt.keep_sender_yes": "Keep them",
    "opt.keep_sender_no": "Don't keep (this letter only)",
    "letter_done": (
        "“{title}” is ready (PDF and text). Print it, sign it and send it, e.g. by "
        "certified mail (内容証明郵便)."
    ),
    "letter_language": "The letter is in Japanese: it goes to a business in Japan.",
    "letter_cancelled": "Letter cancelled.",
    "letter_missing_glyphs": (
        "⚠️ The PDF font lacks some characters, so the PDF leaves them out: {chars} "
        "Use the text version, or write them in by hand after printing."
    ),
    "letter_expired": "That letter is already finished.",
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

    def date_time(self, moment: datetime, tz: ZoneInfo) -> str:
        """A moment in the user's zone, with the year (for records): 2026年11月27日 14:00 /
        27 Nov 2026 14:00."""
        local = moment.astimezone(tz)
        if self.language == "ja":
            return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.day} {local:%b %Y %H:%M}"

    def option(self, state: str, trigger: str, **values: object) -> str:
        specific = f"opt.{state}.{trigger}"
        return self(specific if specific in self._catalog else f"opt.{trigger}", **values)
