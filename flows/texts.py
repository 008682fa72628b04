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
        "断り（Kotowari）は、しつこい営業電話を断り、あなたの情報を売った名簿業者に提供の停止と消去を求めるまでを、一歩ずつ手伝います。"
        "\n電話中なら /call、電話のあとなら /after。\n使い方と注意は /help で。"
    ),
    "help": (
        "使い方\n/call — 営業電話の最中に。読み上げる一言を順に出します\n"
        "/after — 電話が終わったあとに記録する\n"
        "/cases — これまでのケース（/case 番号 で詳細）\n"
        "/brokers — 記録した名簿業者\n"
        "/find — ケースを検索（会社名・電話番号など）\n/stats — 統計とグラフ\n"
        "/cancel — 進行中のケースを中止する\n"
        "/reminders — 予定しているリマインダー\n"
        "/settings — 通知しない時間とタイムゾーン\n"
        "/language — 言語の切り替え（/language en のように直接指定もできます）\n"
        "/export — あなたのデータを書き出す　/forget — すべて削除する\n"
        "/help — この説明\n\n"
        "手順: ①はっきり断る ②どこで連絡先を入手したか聞く ③名簿業者を記録する ④名簿業者に電話して、提供の停止と消去を求める。"
        "\n各ステップで「戻る」「スキップ」「中止」が使えます。番号やボタン名を入力しても選べます。"
        "\n\n知っておきたいこと\n・名簿を買うこと自体は、違法ではありません。"
        "オプトアウトの届出をした名簿業者は、本人の同意なしに名簿を提供できます。\n"
        "・提供の停止で止まるのは、これからの提供だけです。"
        "すでに売られた名簿は買った会社に残るため、別の会社から電話が来ることがあります。"
        "一件ずつ対応しましょう。\n・断るときは、迷惑だという気持ちをはっきり出してかまいません。\n"
        "\n困ったときの相談先\n"
        "・消費者ホットライン 188（最寄りの消費生活センターにつながります）\n"
        "・個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）：個人情報の扱いについて\n"
        "・断った後も勧誘を続ける不動産会社：免許を出した行政庁（知事の免許は都道府県、国土交通大臣の免許は本店所在地を管轄する地方整備局など）\n"
        "\n" + DISCLAIMER_JA
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
    "step.refusing.say": "契約するつもりはありません。今後、二度と電話しないでください。",
    "step.refusing.text": ("① はっきり断ります。理由は言わなくて大丈夫です。"),
    "step.pushing.say": (
        "お断りした後の勧誘は、法律で禁じられているはずです。御社名と、お名前を教えてください。"
        "不動産会社でしたら、宅建業の免許番号も教えてください。"
    ),
    "step.pushing.text": "まだ続けるなら、強めにこう言います。",
    "step.pushing.note": (
        "根拠: 不動産の勧誘は宅地建物取引業法47条の2第3項と同法施行規則、その他の商品は特定商取引法17条（電話勧誘販売に当たる場合）。"
        "答えはメモしておきましょう（あとで記録します）。"
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
        "第三者から個人データを受け取った事業者は、入手先（提供した者）と、入手先がそのデータを取得した経緯を"
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
    "refused_no": "記録なし",
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
        "本人の求めで提供を停止することは、オプトアウトで第三者提供する事業者の義務です（個人情報保護法27条2項）。"
        "利用停止・消去は35条の請求で、必ず認められるとは限りません。"
        "提供先の記録の開示も求められます（33条）。"
        "個人情報保護委員会のサイトの「オプトアウト届出書検索」で、この業者の届出を確認できます。"
        "提供の停止で止まるのは、これからの提供だけです。"
        "すでに売られた名簿は、買った会社に残ります。"
    ),
    "demand_company_unknown": "ある会社",
    "demand_when": "{date}に",
    "demand_when_unknown": "先日",
    "opt.agreed": "🙆 応じた",
    "opt.declined": "🙅 断られた",
    "opt.unreachable": "📵 つながらない",
    "opt.later": "⏰ あとでかける",
    "outcome.agreed": (
        "記録しました。応じた日と担当者名をメモしておきましょう。"
        "2週間ほどたったら、提供が止まったか、電話が減ったかを確かめるのが目安です。"
    ),
    "outcome.declined": (
        "記録しました。"
        "オプトアウトで第三者提供している名簿業者には、本人の求めに応じて提供を停止する義務があります（個人情報保護法27条2項）。"
        "次の手は、書面での請求です。"
        "データの扱いの相談先: 個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）。"
    ),
    "outcome.unreachable": (
        "記録しました。時間を変えて、もう一度かけてみましょう。/cases から再開できます。"
    ),
    "outcome.later": "わかりました。あとで電話しましょう。",
    "outcome.no_source": (
        "保存しました。"
        "入手先はわかりませんでしたが、電話してきた会社が第三者から名簿の提供を受けたのなら、入手先を確認し記録する義務があります（個人情報保護法30条）。"
        "書面で、その記録の開示を求められます（33条）。次に電話が来たら、入手先も聞きましょう。"
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
    "what.check_compliance": "依頼への対応の確認",
    "what.check_calls": "電話が止まったかの確認",
    "reminder.call_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に電話して、提供の停止と消去を求めましょう。"
    ),
    "reminder.retry_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に、もう一度電話してみましょう。"
    ),
    "reminder.check_compliance.text": (
        "⏰ ケース #{number}: {whom}に電話で求めてから2週間です。"
        "求めたとおりに対応されましたか？対応がなければ、書面で改めて求めましょう。"
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
        "不動産の勧誘なら、宅建業の免許を出した行政庁（知事の免許は都道府県、国土交通大臣の免許は本店所在地を管轄する地方整備局など）に、それ以外は消費者ホットライン188に相談できます。"
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
    "status.waiting": "⏳ 書面の回答待ち",
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
        "統計\n営業電話: {calls}件\n断った後の再勧誘: {repeats}件\n"
        "名簿業者: {brokers}社\n提供停止・消去に応じた: {agreed}件"
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
    "letter_done": ("「{title}」を作りました（PDF とテキスト）。印刷して署名し、送ってください。"),
    "letter_language": "",
    "letter_cancelled": "書面の作成をやめました。",
    "letter_missing_glyphs": (
        "⚠️ PDF のフォントにない文字があり、PDF では抜けています: {chars}\n"
        "テキスト版を使うか、印刷後に手書きで補ってください。"
    ),
    "letter_expired": "この書面の作成は、もう終わっています。",
    "refused_not": "断っていない",
    "opt.no_record": "🔍 記録がないと言われた",
    "outcome.no_record": (
        "記録しました。"
        "「記録がない」と言われたときは、電話してきた会社が、入手先を違う名前で伝えたのかもしれません。"
        "その会社が第三者から名簿の提供を受けたのなら、入手先を確認し記録する義務があるので（個人情報保護法30条）、書面でその記録の開示を求められます（33条）。"
        "また、オプトアウトの届出をしていない名簿業者が同意なく提供していたのなら、27条1項に反するおそれがあります。"
        "その場合は提供の停止を求めたり（35条3項）、個人情報保護委員会に相談したりすることも考えられます。"
    ),
    "coach.not_refused": (
        "記録しました。"
        "次に電話が来たら、まずはっきり断りましょう（/call で、読み上げる一言を出せます）。"
        "断った記録がないと、「断った後の再勧誘」として申告できません。"
    ),
    "what.write_letter": "書面で請求する",
    "reminder.check_compliance.letter.text": (
        "⏰ ケース #{number}: {whom}への書面を作ってから3週間です。"
        "回答はありましたか？"
        "届いてから2週間たっても回答がなければ、督促するか、個人情報保護法相談ダイヤル 03-6457-9849 に相談できます。"
    ),
    "reminder.write_letter.text": "⏰ ケース #{number}: {whom}は、電話では応じませんでした。書面で請求しましょう。",
    "reminder.write_letter.company.text": (
        "⏰ ケース #{number}: 名簿業者には「記録がない」と言われました。"
        "{whom}に、書面で入手先の開示を求めましょう。"
    ),
    "opt.r_complied": "🙆 対応された",
    "opt.r_no_reply": "📭 対応がない・返事がない",
    "opt.r_letter": "✉️ 書面を作る",
    "reminder_complied": "対応されたと記録しました。",
    "reminder_no_reply.phone": "記録しました。次の手は、書面での請求です。",
    "reminder_no_reply.letter": (
        "記録しました。"
        "もう一度書面で求める（督促）か、個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）に相談できます。"
    ),
    "status.answer.agreed": "🙆 電話で応じた",
    "status.answer.refused": "🙅 拒否された",
    "status.answer.no_record": "🔍 記録なしと回答",
    "status.answer.complied": "🙆 対応された",
    "status.answer.no_reply": "📭 対応なし",
    "broker_status.no_record": "記録なしと回答",
    "standing": "現状: {line}",
    "standing.separator": "／",
    "standing.refused": "お断り済み",
    "standing.not_refused": "断っていない",
    "standing.phone": "電話で依頼（{date}）→ {answer}",
    "standing.letter": "書面で請求（{date}）→ {answer}",
    "standing.unreachable": "{whom}に電話がつながっていない",
    "standing.calls_after": "断った後の電話 {count}回",
    "standing.reported": "再勧誘の申告書を作成",
    "standing.nothing": "まだ誰にも依頼していません",
    "answer.waiting": "回答待ち",
    "answer.agreed": "応じた",
    "answer.refused": "拒否",
    "answer.no_record": "記録なしと回答",
    "answer.complied": "対応された",
    "answer.no_reply": "対応なし",
    "addressee.broker": "名簿業者「{name}」",
    "addressee.company": "電話してきた会社「{name}」",
    "letter_done_report": ("「{title}」を作りました（PDF とテキスト）。"),
    "letter_naiyo": (
        "内容証明郵便で送るときは、付けてある「内容証明用」の PDF（26字×20行）を使います。"
        "同じものを3通用意し（1通を送り、2通の謄本は郵便局とあなたが保管します）、何も同封しません。"
        "一般書留に配達証明を付けて、内容証明を扱う郵便局（集配を行う局など）の窓口に出します。"
        "受取人の住所は、書面の末尾に書き入れてください。"
        "2枚以上になるときは、ホチキスで留めて契印を押します。"
        "オンラインの e内容証明でも出せます（書式は同サービスの案内で確かめてください）。"
    ),
    "letter_disclaimer": DISCLAIMER_JA,
    "letter_ask_office": (
        "会社の本店（主たる事務所）がある都道府県は？"
        "国土交通大臣の免許なので、提出先は本店所在地を管轄する地方整備局などです。"
        "わからなければスキップすると、宛名を空欄にします。"
    ),
    "bad_office": (
        "都道府県を読み取れませんでした。例: 東京、大阪府、北海道。わからなければスキップできます。"
    ),
    "opt.write_letter": "✉️ 書面で請求する",
    "note.broker_unknown": "名簿業者の名前が分かっていません。宛先を書き入れてから送ってください。",
    "note.optout_search": (
        "名簿業者の住所と、提供停止の求めの受付方法は、個人情報保護委員会のウェブサイトの「オプトアウト届出書検索」で確認できます。"
    ),
    "note.post_first": "送り方：最初の請求なら、特定記録郵便（郵便受けに届いたことが記録されます）や普通郵便でもかまいません。",
    "note.post_proof": (
        "あとで「いつ届いたか」を示したい場合（個人情報保護法第39条の2週間は、請求が届いた日から数えます）は、内容証明郵便に配達証明を付けて送ります。"
        "内容証明は送った内容と差し出した日を、配達証明は届いた日を証明します。"
    ),
    "note.post_keep": "送った書面の控え（内容証明なら謄本）と、郵便の受領証は保管してください。",
    "note.id_check": "業者から本人確認書類を求められることがあります。内容証明郵便には同封できないため、求められてから別に送ってください。",
    "note.limits": (
        "提供の停止で止まるのは、これからの提供だけです。"
        "すでに提供された名簿は提供先に残るため、別の会社から電話が来ることがあります。"
        "そのつど一件ずつ対応してください。"
    ),
    "note.no_reply": (
        "到達から2週間たっても回答がない場合は、督促するか、個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）に相談できます。"
    ),
    "note.company_unknown": "会社名と住所が分からないと郵送できません。次に電話が来たら会社名と住所を確認してください。",
    "note.disclosed_source": "開示された入手先（名簿業者）には、提供の停止と消去を求める請求書を送れます。",
    "note.others_heading": "ほかの相談先：",
    "note.others_188": "・消費者ホットライン 188（最寄りの消費生活センターなどにつながります）",
    "note.others_ppc": "・個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）：個人情報の取扱いについての相談",
    "note.report_sending": (
        "この申告書は内容証明郵便で送るものではありません。"
        "提出の前に、提出先のウェブサイトや窓口で、担当部署と受け付け方法（窓口、郵送、専用の様式など）を確かめてください。"
    ),
    "note.other_product_hedge": (
        "勧誘の対象が不動産（宅地建物）でなければ、宅地建物取引業法ではなく、特定商取引法の電話勧誘販売に当たることがあります。"
        "ただし同法には適用除外もあるため、当てはまるかどうかは相談先で確かめてください。"
    ),
    "note.other_product_where": (
        "提出先：消費者ホットライン 188 に電話すると、最寄りの消費生活センターにつながります。"
        "この書面は、相談のときの記録として使えます。"
    ),
    "note.where_governor": "提出先：{pref}知事の免許のため、{pref}の宅地建物取引業（不動産業）の担当部署です。",
    "note.where_minister": "提出先：国土交通大臣の免許で、本店が{office}にあるため、{bureau}（宅地建物取引業の担当部署）です。",
    "note.minister_blank": (
        "宛名が空欄です。"
        "国土交通大臣の免許の業者は、本店所在地を管轄する地方整備局などが提出先です。"
        "本店所在地は国土交通省の「建設業者・宅建業者等企業情報検索システム」で確認し、次の表の局名を書き入れてください（例：関東地方整備局長 殿）。"
    ),
    "note.unknown_blank": (
        "宛名が空欄です。免許番号が分からないため、提出先が決まりません。"
        "国土交通省の「建設業者・宅建業者等企業情報検索システム」で商号から免許番号と本店所在地を調べ、次のとおり書き入れてください。"
    ),
    "note.unknown_governor": "・知事の免許（例：東京都知事(5)第12345号）：その都道府県の知事（例：東京都知事 殿）",
    "note.unknown_minister": "・国土交通大臣の免許：本店所在地を管轄する次の局の局長（例：関東地方整備局長 殿）",
    "note.bureau": "・{bureau}：{prefectures}",
    "opt.r_answered": "✉️ 回答が来た（拒否・記録なしなど）",
    "reminder_answered": (
        "記録しました。回答の内容を確かめましょう。"
        "拒否された、または記録がないと言われたときは、個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）に相談できます。"
    ),
    "status.answer.answered": "✉️ 回答あり",
    "answer.answered": "回答あり",
    "not_refused_calls": (
        "電話が続いているのですね。"
        "ただ、このケースには断った記録がないため、「断った後の再勧誘」としては記録できません。"
        "次に電話が来たら /call で、まずはっきり断りましょう。"
    ),
    "standing.whom": "{whom}: {steps}",
    "standing.then": "、",
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
    "step.refusing.note": (
        "迷惑だという気持ちは、はっきり出してかまいません"
        "（「かけにくい相手」だと思われると、電話が減ると言われます）。"
    ),
}

EN: dict[str, str] = {
    "start": (
        "Kotowari helps you refuse pushy sales calls and make the list broker who sold your details stop providing and delete them — one step at a time.\n"
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
    "step.refusing.say": "I have no intention of signing anything. Never call me again.",
    "step.refusing.text": (
        "Step 1: refuse firmly. Say the Japanese line below; you owe no reason."
    ),
    "step.pushing.say": (
        "Soliciting after I have refused should be prohibited by law. Tell me your company's name and your name. If you are a real-estate company, tell me your broker licence number too."
    ),
    "step.pushing.text": "If they keep going, say this, firmly.",
    "step.pushing.note": (
        "Basis: for real estate, Building Lots and Buildings Transaction Business Act (宅地建物取引業法) Art. 47-2(3) and its Enforcement Regulations; for other products, the Act on Specified Commercial Transactions (特定商取引法) Art. 17, where the call is telephone solicitation sales. Note their answers; you will record them afterwards."
    ),
    "step.pushing_again.say": (
        "I have nothing more to say. I am recording this and will consult the authorities. Goodbye."
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
    "opt.after_source.dodged": "🤐 No, or I didn't ask",
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
        "Step 4: call the list broker “{broker}” and say this in Japanese. Replace the 〔 〕 parts with your own details."
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
        "A business that provides data to third parties under the opt-out rule must stop when the person asks (APPI Art. 27(2)). Stopping use and erasure is a request under Art. 35 and is not guaranteed. You can also ask to see the record of whom they provided it to (Art. 33). The Personal Information Protection Commission publishes opt-out filings: search 「オプトアウト届出書検索」 on its site to check this broker. A stop request stops future provision only: lists already sold stay with the buyers."
    ),
    "demand_company_unknown": "a company",
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
    "what.check_compliance": "check your request was handled",
    "what.check_calls": "check the calls stopped",
    "reminder.call_broker.text": (
        "⏰ Case #{number}: time to call the list broker “{broker}” and demand that it stop "
        "providing and delete your data."
    ),
    "reminder.retry_broker.text": "⏰ Case #{number}: try calling the list broker “{broker}” again.",
    "reminder.check_compliance.text": (
        "⏰ Case #{number}: two weeks since you asked {whom} by phone. Did they do what you asked? If not, ask again in writing."
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
        "⚠️ Recorded as a call after your refusal ({date}). For real estate, you can report it to the authority that licensed the company (a governor's licence: that prefecture; a minister's licence: the regional bureau for its head office); otherwise call the consumer hotline 188."
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
    "letter_done": ("“{title}” is ready (PDF and text). Print it, sign it and send it."),
    "letter_language": "The letter is in Japanese: it goes to a business in Japan.",
    "letter_cancelled": "Letter cancelled.",
    "letter_missing_glyphs": (
        "⚠️ The PDF font lacks some characters, so the PDF leaves them out: {chars} "
        "Use the text version, or write them in by hand after printing."
    ),
    "letter_expired": "That letter is already finished.",
    "refused_not": "not refused",
    "opt.no_record": "🔍 They say they have no record of me",
    "outcome.no_record": (
        "Recorded. When a broker says it has no record of you, the caller may have named the wrong source. If the calling company got your data from a third party, it must have confirmed and recorded where from (APPI Art. 30), so you can ask it in writing to disclose that record (Art. 33). And if a broker without an opt-out filing provided your data without consent, that may breach Art. 27(1); you could then ask it to stop providing it (Art. 35(3)) or consult the Personal Information Protection Commission."
    ),
    "coach.not_refused": (
        "Recorded. Next time they call, refuse first (/call gives you the line to read). Without a refusal on record, there is no soliciting-after-refusal to report."
    ),
    "what.write_letter": "send a written request",
    "reminder.check_compliance.letter.text": (
        "⏰ Case #{number}: three weeks since you wrote to {whom}. Did they answer? If there is no answer two weeks after it arrived, send a reminder or call the APPI consultation line 03-6457-9849."
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
        "To send it by 内容証明郵便 (certified contents), use the attached 内容証明 PDF (26 characters × 20 lines). Print three identical copies (one is sent; the post office and you each keep one), enclose nothing, and send it as 一般書留 with 配達証明 (proof of delivery) from a post office that handles 内容証明 (usually a larger one). Write the recipient's address at the end. Staple several pages and stamp your seal across each join (契印). Japan Post's online e内容証明 takes it too (check its format rules)."
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
}

# Lines to read aloud are said in Japanese whatever the user's language (the caller speaks
# Japanese); an English user sees the Japanese, this reading of it, and the catalog's English
# as its meaning. Only fixed lines have a reading: step 4's line carries the case's names.
ROMAJI: dict[str, str] = {
    "step.refusing.say": "Keiyaku suru tsumori wa arimasen. Kongo, nido to denwa shinaide kudasai.",
    "step.pushing.say": (
        "O-kotowari shita ato no kan'yū wa, hōritsu de kinjirarete iru hazu desu. "
        "Onsha-mei to, o-namae o oshiete kudasai. "
        "Fudōsan-gaisha deshitara, takkengyō no menkyo bangō mo oshiete kudasai."
    ),
    "step.pushing_again.say": (
        "Kore ijō o-hanashi suru koto wa arimasen. "
        "Kiroku shite, kankei kikan ni sōdan shimasu. Shitsurei shimasu."
    ),
    "step.asking_source.say": (
        "Watashi no namae to renrakusaki o, doko de nyūshu shimashita ka. "
        "Nyūshu-saki no kaisha-mei o oshiete kudasai."
    ),
    "step.pressing_source.say": (
        "Onsha wa hōritsu-jō, nyūshu-saki o kakunin shite kiroku shite iru hazu desu. "
        "Kaisha-mei dake de kekkō desu."
    ),
}

# The letters' own wording (flows/letters): Japanese only, as the letters are (they go to
# Japanese businesses and offices); the notes beside them are ``note.*`` above, in both
# languages. A line's layout is in its shape (see flows/letters): 【…】 a heading, a leading
# 「　」 an indented paragraph, 「1. 」 a numbered item. tests/golden/letters.txt pins the
# letters this makes.
LETTER_JA: dict[str, str] = {
    # --- shared by every letter --------------------------------------------------
    "letter.unknown": "不明",
    "letter.to_business": "{name} 御中",
    "letter.to_office": "{name} 殿",
    "letter.sender_phone": "電話 {phone}",
    "letter.label.name": "氏名",
    "letter.label.address": "住所",
    "letter.label.phone": "電話番号",
    "letter.label.recipient": "名称",
    "letter.item": "・{label}：{value}",
    "letter.caller.you": "貴社",
    "letter.caller.by_phone": "電話番号 {phone} の発信者",
    "letter.caller.someone": "ある事業者",
    "letter.caller.person": "担当者：{person}",
    "letter.caller.phone": "電話番号：{phone}",
    "letter.caller.details": "（{details}）",
    "letter.pitch": "{product}の勧誘の電話",
    "letter.pitch.unnamed": "勧誘の電話",
    "letter.around": "{when}頃、",
    "letter.called": "{when}{caller}から、私に{pitch}がありました。",
    "letter.refused.on_the_call": "その電話で",
    "letter.refused": "私は{at}勧誘をはっきりお断りしました。",
    "letter.refused.never_again": "私は{at}勧誘をはっきりお断りし、今後電話をしないよう求めました。",
    "letter.appi": "個人情報の保護に関する法律（以下「個人情報保護法」といいます。）",
    "letter.reply_deadline": "本書到達後2週間以内に書面で回答してください。",
    "letter.only_for_this": "この情報は、本請求への対応のためにのみ使用してください。",
    "letter.heading.history": "【経緯】",
    "letter.heading.requests": "【請求の内容】",
    "letter.heading.identity": "【照合のための情報】",
    "letter.stop_use": "2. 利用停止および消去（個人情報保護法第35条）",
    "letter.reply": "4. 回答",
    "letter.identity": "貴社の記録と照合できるよう、私の情報を記します。",
    # --- to the list broker --------------------------------------------------------
    "letter.broker.title": "個人データの第三者提供停止等請求書",
    "letter.broker.to_unknown": "個人データ取扱担当者様",
    "letter.broker.intro": "私は、貴社が保有する私の個人データについて、{appi}に基づき、下記のとおり請求します。",
    "letter.broker.named": "その際、先方は私の連絡先の入手先として貴社の名前を挙げました。",
    "letter.broker.not_named": (
        "その際、私の連絡先の入手先は明らかにされませんでした。"
        "貴社が私の個人データを保有している場合は、下記のとおり対応してください。"
    ),
    "letter.broker.stop_provision": "1. 第三者提供の停止（個人情報保護法第27条第2項）",
    "letter.broker.stop_provision.text": (
        "　貴社が本人の同意なく私の個人データを第三者に提供しているのであれば、それは同項の"
        "規定（いわゆるオプトアウト）によるものと理解しています。同項は、本人の求めに応じて"
        "提供を停止することを条件としています。私は本書により提供の停止を求めますので、"
        "今後、私の個人データを第三者に提供しないでください。"
    ),
    "letter.broker.stop_use.text": (
        "　私は望まない勧誘電話を受けており、私の個人データの取扱いにより私の権利又は正当な利益が"
        "害されるおそれがあります。私の個人データの利用を停止し、消去してください。"
        "ただし、私の個人データが再び提供されることのないよう、本請求を受けたことの記録に"
        "必要な範囲の情報に限り、保存してください。"
    ),
    "letter.broker.disclose": "3. 提供先の開示（個人情報保護法第33条）",
    "letter.broker.disclose.text": (
        "　貴社が同法第29条に基づき作成・保存している第三者提供の記録のうち、私に関するもの"
        "（提供した年月日、提供先の名称および住所など）を開示してください。あわせて、貴社が"
        "私の個人データを取得した方法（取得の経緯）をお知らせください。開示に手数料が必要な"
        "場合は、その金額と支払方法をお知らせください。"
    ),
    "letter.broker.reply.text": (
        "　上記1から3について、対応の結果（提供の停止、利用停止および消去を行った日を含みます）を"
        "{deadline}"
    ),
    "letter.broker.identity": (
        "{identity}貴社の記録では、住所や勤務先がこれと異なる形で登録されている可能性があります。"
        "{only_for_this}"
    ),
    # --- to the company that called ------------------------------------------------
    "letter.company.title": "個人情報の入手先の開示および利用停止等請求書",
    "letter.company.to_phone": "電話番号 {phone} の発信元事業者 御中",
    "letter.company.to_unknown": "ご担当者様",
    "letter.company.intro": (
        "私は、貴社による私の個人情報の取扱いについて、{appi}に基づき下記1および2のとおり"
        "請求するとともに、下記3のとおり求めます。"
    ),
    "letter.company.named": "その際、貴社は私の連絡先の入手先として「{broker}」の名前を挙げました。",
    "letter.company.earlier": "また、{at}にも同様の勧誘があり、その際{also}お断りしています。",
    "letter.company.earlier.at": "{when}頃",
    "letter.company.earlier.before": "以前",
    # "also refused then" only if this call was refused
    "letter.company.earlier.also": "にも",
    "letter.company.earlier.only": "に",
    "letter.company.no_record": "なお、「{broker}」に問い合わせたところ、私の個人データの記録はないとの回答でした。",
    "letter.company.source": "1. 入手先の開示（個人情報保護法第30条・第33条）",
    "letter.company.source.text": (
        "　個人情報保護法第30条により、貴社は第三者から個人データの提供を受ける際、提供者の"
        "氏名又は名称、住所、代表者の氏名、および提供者がそのデータを取得した経緯を確認し、"
        "その記録を作成・保存しなければなりません。私に関するこの確認の記録（提供者の名称、"
        "住所、提供者による取得の経緯、提供を受けた年月日）を、同法第33条に基づき開示して"
        "ください。"
    ),
    "letter.company.source.named": "貴社が電話で挙げた「{broker}」から取得したのであれば、その記録を示してください。",
    "letter.company.stop_use.text": (
        "　私は望まない勧誘電話を受けており、貴社による私の個人情報の取扱いにより私の権利又は"
        "正当な利益が害されるおそれがあります。私の個人情報の利用を停止し、消去してください。"
        "ただし、再び勧誘することのないよう、本請求を受けたことの記録に必要な範囲の情報に限り、"
        "保存してください。"
    ),
    "letter.company.stop_soliciting": "3. 勧誘の中止",
    "letter.company.stop_soliciting.text": "　今後、電話、訪問、郵便その他の方法で、私に一切の勧誘をしないでください。",
    "letter.company.again": "改めて",
    "letter.company.property_law": (
        "　宅地建物取引業法第47条の2第3項および同法施行規則は、契約を締結しない旨の"
        "意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）を表示した相手方に"
        "勧誘を続けることを禁じています。私は本書により、{again}その意思を表示します。"
    ),
    "letter.company.sales_law": (
        "　電話勧誘販売に当たる場合、特定商取引法第17条は、契約を締結しない旨の意思を"
        "表示した相手方に勧誘を続けることを禁じています。"
        "私は本書により、{again}その意思を表示します。"
    ),
    "letter.company.no_law": "　私は本書により、契約を締結しない旨の意思を{again}表示します。",
    "letter.company.reply.text": "　上記1および2について、開示の内容と対応の結果を{deadline}",
    "letter.company.fee": "　開示に手数料が必要な場合は、その金額と支払方法をお知らせください。",
    "letter.company.identity": "{identity}{only_for_this}",
    # --- the re-solicitation report --------------------------------------------------
    "letter.report.title": "再勧誘に関する申告書",
    "letter.report.title.other": "勧誘の継続に関する相談書",
    "letter.report.to_consumer_centre": "消費生活センター 御中",
    "letter.report.to_governor": "{pref}知事 殿",
    "letter.report.to_bureau": "{bureau}長 殿",
    "letter.report.blank": "＿＿＿＿＿＿＿＿＿＿",
    "letter.report.company": "・商号又は名称：{value}",
    "letter.report.licence": "・免許番号：{value}",
    "letter.report.head_office": "・本店所在地の都道府県：{value}",
    "letter.report.person": "・担当者名：{value}",
    "letter.report.phone": "・使用された電話番号：{value}",
    "letter.report.product": "・勧誘の内容：{value}",
    "letter.report.broker": "・連絡先の入手先として挙げた名簿業者：{value}",
    "letter.report.said": "お断りした",
    "letter.report.said.never_again": "お断りし、今後電話をしないよう求めた",
    "letter.report.refused_at": "・勧誘を{said}日時：{when}",
    "letter.report.calls": "・お断りした後の勧誘の電話（{count}回）：",
    "letter.report.call": "　{n}. {when}",
    "letter.report.untimed": "　このほか、日時を記録していない電話が{count}回あります。",
    "letter.report.no_calls": "・お断りした後の勧誘の電話：日時の記録なし",
    "letter.report.refused_again": "・お断りした後の電話でも、改めてお断りしています。",
    "letter.report.property_law": (
        "宅地建物取引業法第47条の2第3項および同法施行規則は、宅地建物取引業者が、"
        "契約を締結しない旨の意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）"
        "を表示した相手方に勧誘を続けることを禁じています。"
    ),
    "letter.report.property_ask": "事実を確認のうえ、当該業者に対し適切な指導・監督を行ってくださるようお願いします。",
    "letter.report.property_intro": (
        "下記の宅地建物取引業者から、私が勧誘をお断りした後も勧誘の電話が続いています。"
        "{law}本件はこれに当たると考えますので、申告します。"
    ),
    "letter.report.sales_law": (
        "電話勧誘販売に当たる場合、特定商取引法第17条は、契約を締結しない旨の意思を表示した"
        "相手方に勧誘を続けることを禁じています。"
    ),
    "letter.report.sales_ask": "本件がこれに当たるかどうかを含め、ご相談したく、助言と対応をお願いします。",
    "letter.report.sales_intro": "下記の事業者から、私が勧誘をお断りした後も勧誘の電話が続いています。{law}",
    "letter.report.heading.business": "【事業者】",
    "letter.report.heading.reporter": "【申告者の連絡先】",
    # --- the 内容証明 layout -----------------------------------------------------------
    "letter.naiyo.title": "{title}（内容証明用）",
    "letter.naiyo.sender": "差出人",
    "letter.naiyo.recipient": "受取人",
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

    # Screens write every moment one way (letters have their own, in flows.moments):
    # 2026年11月27日(金) 14:00 / Fri 27 Nov 2026 14:00, and a day alone as its first part.

    def day(self, moment: datetime, tz: ZoneInfo) -> str:
        """The day of a moment in the user's zone: 2026年11月27日(金) / Fri 27 Nov 2026."""
        local = moment.astimezone(tz)
        if self.language == "ja":
            weekday = "月火水木金土日"[local.weekday()]
            return f"{local.year}年{local.month}月{local.day}日({weekday})"
        return f"{local:%a} {local.day} {local:%b %Y}"

    def when(self, moment: datetime, tz: ZoneInfo) -> str:
        """A moment in the user's zone: 2026年11月27日(金) 14:00 / Fri 27 Nov 2026 14:00."""
        return f"{self.day(moment, tz)} {moment.astimezone(tz):%H:%M}"

    def when_iso(self, iso: str, tz: ZoneInfo) -> str:
        """``when`` for a stored ISO moment."""
        return self.when(datetime.fromisoformat(iso), tz)

    def option(self, state: str, trigger: str, **values: object) -> str:
        specific = f"opt.{state}.{trigger}"
        return self(specific if specific in self._catalog else f"opt.{trigger}", **values)
