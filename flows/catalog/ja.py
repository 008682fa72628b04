"""Every user-facing string in Japanese, keyed by id (``flows.texts``)."""

from __future__ import annotations

DISCLAIMER_JA = "※ これは実務上の手引きであり、法的助言ではありません。"

JA: dict[str, str] = {
    # --- commands and general -------------------------------------------------
    "start": (
        "断り（Kotowari）は、しつこい営業電話を断り、あなたの情報を売った名簿業者に提供の停止と消去を求めるまでを、一歩ずつ手伝います。"
        "\n電話中なら /call、電話のあとなら /after。\n使い方と注意は /help で。"
        "\nEnglish: /language en"
    ),
    "help": (
        "使い方\n/call — 営業電話の最中に。読み上げる一言を順に出します（/call 番号 で相手も確認）\n"
        "/after — 電話が終わったあとに記録する\n"
        "/who — 番号・会社名で相手を調べる（電話番号を貼り付けるだけでも調べます）\n"
        "/cases — これまでのケース（/case 番号 で詳細）\n"
        "/brokers — 記録した名簿業者\n"
        "/find — ケースを検索（会社名・電話番号など）\n/stats — 統計とグラフ\n"
        "/cancel — 進行中のケースを中止する\n"
        "/reminders — 予定しているリマインダー\n"
        "/settings — 通知しない時間、タイムゾーン、保存した書面の差出人\n"
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
    "when_case_opened": "{when}（このケースを開いた時刻）",
    "cancel_which": (
        "表示中の確認や一覧には、何もしていません。"
        "進めているケース #{number} を中止するときは、もう一度 /cancel を送ってください。"
    ),
    "language_prompt": "言語を選んでください。",
    "language_unknown": "その言語には対応していません。日本語か英語を選んでください。",
    "language_set": "日本語に切り替えました。",
    "stale_button": "このボタンは古いステップのものです。最新のメッセージを使ってください。",
    "bad_button": "このボタンは使えません。",
    "pick_hint": "ボタンを押すか、番号を入力してください。",
    "pick_hint_check": (
        "ボタンを押してください。相手の電話番号を送ると、以前の記録を調べます。"
        "会社名で調べるときは「/who 会社名」と送ってください。"
    ),
    "no_such_option_one": "{number}番の選択肢はありません。「1」を入力するか、ボタンを押してください。",
    "no_such_option": "{number}番の選択肢はありません。1〜{last}の番号を入力するか、ボタンを押してください。",
    "source_typed_hint": (
        "名簿業者の名前は、「{named}」を押してから入力してください。"
        "言わなかったときは「{dodged}」を押してください。"
    ),
    "reminders_more": "取り消しボタンは、近いものから{count}件分です。",
    "reminders_stopped": "このケースのリマインダー（{count}件）も止めました。",
    "reminders_resumed": "止めていたリマインダー（{count}件）も再開しました。",
    "reminders_resumed_late": "期限を過ぎた{count}件は、まもなく届きます。",
    "number_not_shown": (
        "いま進めているケースのステップをもう一度表示します。"
        "番号は、この下の選択肢の順番（上から1、2…）です。"
    ),
    "buttons_answer": (
        "ボタンの付いたメッセージには、ボタンを押して答えてください。入力した内容は記録していません。"
    ),
    "buttons_answer_step": (
        "ボタンの付いたメッセージには、ボタンを押して答えてください。入力した内容は記録していません。"
        "いま進めているケースのステップを、もう一度表示します。"
    ),
    "call_args_unread": "/call のあとの文字は、電話番号とも会社名とも読めませんでした。番号なしで始めます。",
    "case_just_opened": "ケース #{number} を始めたところです。このまま続けてください。",
    "case_just_opened_caller": (
        "ケース #{number}（{who}）を始めたところです。同じ電話なら、このまま続けてください。"
        "別の電話なら「📞 別の電話として記録」を押してください。"
    ),
    "opt.another_call": "📞 別の電話として記録",
    "number_not_shown_text": (
        "いま進めているケースのステップをもう一度表示します。"
        "ここで入力した内容は、この質問への答えとして記録します。"
    ),
    "edit_not_read": (
        "編集したメッセージは読み取りません（記録は編集前のままです）。"
        "直すときは「戻る」で前の質問に戻るか、ケースを記録する最後の確認画面で「✏️ 修正する」を押してください。"
    ),
    "phone_same": "{phone} は、このケースに記録してあります。",
    "phone_second": (
        "このケースには {kept} を記録してあります。{typed} は記録していません"
        "（直すときは最後の確認画面の「✏️ 修正する」から。調べるときは /who {typed}）。"
    ),
    "attachment_hint": "ここでは文字で入力してください（写真やスタンプは保存しません）。",
    "attachment_hint_option": "ボタンを押すか、番号を入力してください（写真やスタンプは保存しません）。",
    "empty_text": "空のメッセージは記録できません。",
    "too_long": "長すぎます（{limit}文字まで）。短くして送ってください。",
    "first_step": "これが最初のステップです。",
    "cannot_skip": "このステップはスキップできません。",
    "resumed": "ケース #{number} を再開します。",
    "case_not_found": "ケース #{number} は見つかりません。",
    "case_replaced": "このボタンのケースはもうありません。今の #{number} は別のケースです。",
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
        "もう切ってかまいません。断った後も勧誘が続いたことは、記録しておきましょう。"
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
    "current_value": "いまの記録: {value}（消すときは「消す」と入力）",
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
    "licence_unread": (
        "入力どおりに記録しました。ただ、免許を出したのが「〇〇知事」か「国土交通大臣」かが分からないため、"
        "このままでは報告書の提出先が決まりません。免許番号は、国土交通省の「建設業者・宅建業者等企業情報検索システム」で会社名から調べられます。"
    ),
    "phone_from_contact": "共有された連絡先の番号を記録しました。",
    "phone_no_digits": (
        "「{typed}」には数字がありません。かかってきた番号を送ってください。"
        "番号が表示されなかったときは「非通知」、わからなければ「スキップ」。"
    ),
    "phone_no_digits_kept": (
        "「{typed}」には数字がありません。かかってきた番号を送ってください。"
        "記録した番号のままでよければ「⏭ このまま」を押してください。"
    ),
    "bad_when": (
        "日時を読み取れませんでした。時刻も入れてください（未来の日時は不可）。"
        "例: 14:30、11/28 14:30、昨日 15:00。わからなければスキップできます。"
    ),
    "bad_when_kept": (
        "日時を読み取れませんでした。時刻も入れてください（未来の日時は不可）。"
        "例: 14:30、11/28 14:30、昨日 15:00。記録した日時のままでよければ「⏭ このまま」を押してください。"
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
    "field.broker_address": "名簿業者の住所",
    "field.company": "会社名",
    "field.company_address": "会社の住所",
    "field.person": "担当者",
    "field.phone": "電話番号",
    "field.product": "勧誘の内容",
    "field.licence": "免許番号",
    "field.when": "日時",
    "field.refused": "お断り",
    "field.source": "入手先",
    "field.demand": "名簿業者への請求",
    "field.cleared": "（消去）",
    "field.superseded": "（のちに訂正）",
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
        "{source}"
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
    "demand_source.named": "その会社は、私の情報を御社から入手したと言っています。",
    "demand_source.believed": "私の情報は、御社から提供されたものと考えています。",
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
    "step.following_up.recorded": (
        "ケース #{number} は記録済みです。"
        "売られた情報がすでに広まっていることもあるので、別の会社からの電話も一件ずつ対応しましょう。"
    ),
    "step.following_up.text": (
        "ケース #{number} は経過確認中です。"
        "売られた情報がすでに広まっていることもあるので、別の会社からの電話も一件ずつ対応しましょう。"
    ),
    "step.awaiting_call.text": "ケース #{number}: 名簿業者「{broker}」への電話がまだです。",
    "step.closed.text": "ケース #{number} は完了しています。",
    "opt.resume": "▶ 名簿業者に電話する",
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
    "evening_passed": "19時を過ぎたため、「今夜」は選べません。ほかの時間を選んでください。",
    "opt.remind_morning": "🌅 明日の朝 {when}",
    "opt.remind_3days": "🗓 3日後 {when}",
    "bad_remind_time": (
        "日時を読み取れませんでした（過去や1年より先は不可）。例: 明日 10:00、12/1 9:30"
    ),
    "reminder_set": "⏰ {when} にお知らせします（{what}）。",
    "reminder_set_quiet": (
        "⏰ {when} にお知らせします（{what}）。{quiet}は通知しない設定のため、その後にしました（/settings で変えられます）。"
    ),
    "what.call_broker": "名簿業者に電話する",
    "what.retry_broker": "名簿業者にもう一度電話する",
    "what.check_compliance": "依頼への対応の確認",
    "what.check_calls": "電話が止まったかの確認",
    # How long ago a reminder's request was made (``flows.reminders.elapsed``).
    "elapsed.day": "{n}日",
    "elapsed.days": "{n}日",
    "elapsed.week": "{n}週間",
    "elapsed.weeks": "{n}週間",
    "elapsed.month": "{n}か月",
    "elapsed.months": "{n}か月",
    "reminder.call_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に電話して、提供の停止と消去を求めましょう。"
    ),
    "reminder.retry_broker.text": (
        "⏰ ケース #{number}: 名簿業者「{broker}」に、もう一度電話してみましょう。"
    ),
    "reminder.check_compliance.text": (
        "⏰ ケース #{number}: {whom}に電話で求めてから{elapsed}です。"
        "求めたとおりに対応されましたか？対応がなければ、書面で改めて求めましょう。"
    ),
    "reminder.check_calls.text": (
        "⏰ ケース #{number}: {elapsed}たちました。「{who}」からの電話は止まりましたか？"
    ),
    "opt.r_again": "⏰ 未回答のリマインダー",
    "opt.r_open": "▶ ケースを開く",
    "opt.r_done": "✅ 済んだ",
    "opt.r_stopped": "✅ 止まった",
    "opt.r_continued": "📞 まだかかってくる",
    "opt.r_snooze_hour": "⏰ 1時間後に",
    "opt.r_snooze_morning": "🌅 明日の朝に",
    "opt.r_snooze_office_morning": "🌅 次の営業日の朝に",
    "opt.r_cancel": "✖️ 取り消す: {when} #{number}",
    "reminder_called": "電話の結果を記録しましょう。名簿業者の答えを選んでください。",
    "reminder_stopped": (
        "電話が止まったと記録しました。また電話があれば、ケースの「📞 この会社からまた電話があった」から記録できます。"
    ),
    "reminder_done": "完了にしました。",
    "reminder_snoozed": "⏰ {when} にまたお知らせします。",
    "reminder_cancelled": "リマインダーを取り消しました。",
    "reminder_closed": "このリマインダーはもう終わっています。",
    "reminder_snoozed_already": "このリマインダーは {when} にもう一度お知らせします。そのときにお答えください。",
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
    "again_recorded_as_case": (
        "その時刻の電話は、ケース #{number}（{date}）としてすでに記録されています。"
        "別の電話なら、その日時を入力してください。記録をやめるときは /cancel を送ってください。"
    ),
    "again_future": "その日時はまだ先です。電話があった日時を入力してください（例: 昨日 15:00）。",
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
    "reminders_what_whom": "{what}（{whom}）",
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
    "settings_sender": "書面の差出人: {name}（保存済み。次の書面で使います）",
    "opt.sender_clear": "🗑 保存した差出人を削除",
    "sender_cleared": "保存していた差出人（氏名・住所・電話番号）を削除しました。",
    "bad_tz": "「{tz}」というタイムゾーンはありません（例: Asia/Tokyo、Europe/London）。",
    "bad_quiet": "通知しない時間は 22-7 のように、0〜23の時で入力してください。",
    "cmd.reminders": "予定しているリマインダー",
    "cmd.settings": "通知しない時間、タイムゾーン、差出人",
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
    "case.repeat_of_gone": "（ケース #{number} は削除済み。お断りの日時はこのケースに残っています）",
    "case.repeat_of_gone_undated": "（ケース #{number} は削除済みです）",
    "case.repeat_calls": "⚠️ 断った後の電話: {count}回（最後 {date}）",
    "case.later_cases": "⚠️ 断った後の電話（別のケースに記録）: {cases}",
    "case.later_case": "#{number}（{date}）",
    "case.timeline": "経過:",
    "case.reminders": "予定しているリマインダー:",
    "event.fixing": "✏️ 修正: {field}",
    "event.skipped": "{label}（{field}）",
    "event.opened": "開始（{mode}）",
    "event.answer": "記録 {field}: {value}",
    "event.repeat_detected": "再勧誘を検出（ケース #{number}）",
    "event.repeat_cleared": "再勧誘の記録を取り消し（ケース #{number}）",
    "event.paused": "中断",
    "event.resumed": "再開",
    "event.reminder": "リマインダー: {label}",
    "event.repeat_call": "断った後の電話を記録",
    "event.repeat_call_at": "断った後の電話（{when}）を記録",
    "event.letter": "書面を作成: {title}",
    "opt.case_continue": "▶ 続ける",
    "opt.case_letter": "✉️ 書面を作る",
    "opt.case_again": "📞 この会社からまた電話があった",
    "opt.case_close": "📁 完了にする",
    "opt.case_reopen": "↩️ 再開する",
    "opt.case_delete": "🗑 このケースを削除",
    "case_usage": "使い方: /case 番号（例: /case 3）。番号は /cases で見られます。",
    "case_delete_repeats": (
        "このケースで断った後の電話が、ケース {numbers} に記録されています。"
        "削除すると、その書面には断ったときに伝えた内容が載らなくなります（断った日時は残ります）。"
    ),
    "list_sep": "、",
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
    "brokers_line": "{name}｜{count}件｜{status}｜最終依頼: {date}",
    "brokers_line_named": "{name}｜{count}件｜{status}｜最終記録: {date}",
    "broker_status.not_asked": "未依頼",
    "broker_status.asked": "依頼予定",
    "broker_status.agreed": "応じた",
    "broker_status.refused": "拒否",
    "broker_status.no_answer": "応答なし",
    "find_usage": "使い方: /find 会社名・担当者名・電話番号・業者名（例: /find 090-1234-5678）",
    "find_none": "「{text}」に当てはまるケースはありません。",
    "find_header": "「{text}」の検索結果:",
    "find_more": "（新しい順に{count}件まで表示しています。名前や番号をもっと長く入力すると絞り込めます）",
    "stats": (
        "統計\n営業電話: {calls}件\n再勧誘: {repeats}件\n"
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
    "forget_expired": "この確認は15分以上前のものです。削除する場合は、下のボタンをもう一度押してください。",
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
    "letter_saved_sender_phone": "保存してある差出人: {name}（{address}、電話 {phone}）",
    "letter_saved_sender": "保存してある差出人: {name}（{address}）",
    "opt.sender_saved": "この差出人で作る",
    "opt.sender_new": "別の氏名・住所を入力する",
    "letter_ask_name": "書面に載せる、あなたの氏名を入力してください。",
    "letter_ask_address": (
        "あなたの住所を、郵便番号か都道府県から、番地・建物名・部屋番号まで入力してください。"
    ),
    "letter_ask_phone": "あなたの電話番号は？業者が記録を探すのに使います（スキップ可）。",
    "letter_ask_phone_report": "あなたの電話番号は？申告先が問い合わせるときの連絡先になります（スキップ可）。",
    "letter_ask_keep_phone": "氏名・住所・電話番号を、次の書面のために保存しますか？",
    "letter_ask_keep": "氏名と住所を、次の書面のために保存しますか？",
    "opt.keep_sender_yes": "保存する",
    "opt.keep_sender_no": "保存しない（この書面だけ）",
    "letter_done": ("「{title}」を作りました（PDF とテキスト）。印刷して署名し、送ってください。"),
    "letter_language": "",
    "letter_language_office": "",
    "letter_cancelled": "書面の作成をやめました。",
    "dialog_stale": "前の質問から24時間以上たったためです。途中まで入力した内容は消しました。",
    "letter_question_again": (
        "作成中の書面の質問をもう一度表示します。番号は、この下の選択肢の順番（上から1、2…）です。"
    ),
    "letter_first_question": "これが最初の質問です。やめるときは「✖️ 中止」を押してください。",
    "bad_sender_name": "氏名を入力してください（書面の差出人として載ります）。",
    "bad_sender_address": (
        "郵便番号か都道府県から、番地・建物名・部屋番号まで入力してください"
        "（例: 〒150-0001 東京都渋谷区神宮前1-2-3 神宮前ハイツ101）。"
        "書面の差出人の住所として載ります。"
    ),
    "address_no_number": (
        "番地が見当たりません。番地のない住所なら、同じ住所をもう一度送ってください。"
    ),
    "letter_ask_recipient": (
        "宛先「{name}」の住所を、郵便番号か都道府県から、番地・建物名まで入力してください。"
        "書面の宛名の上に載ります（内容証明郵便では必要です）。"
        "わからなければスキップしてください（内容証明用の書面には、手で書き入れる欄を空けておきます）。"
    ),
    "letter_find_broker": (
        "名簿業者の住所は、個人情報保護委員会のウェブサイトの「オプトアウト届出書検索」で調べられます。"
    ),
    "letter_find_company": (
        "会社の住所は、会社のウェブサイトで調べられます。"
        "不動産会社なら、国土交通省の「建設業者・宅建業者等企業情報検索システム」にも載っています。"
    ),
    "letter_recipient_known": "前に入力した住所: {address}",
    "opt.recipient_keep": "この住所で作る",
    "bad_recipient_address": (
        "住所として読めませんでした。郵便番号か都道府県から、番地まで入力してください"
        "（例: 〒160-0023 東京都新宿区西新宿1-2-3 西新宿ビル5階）。わからなければスキップできます。"
    ),
    "bad_sender_phone": "電話番号として読めませんでした。数字で入力するか、スキップしてください。",
    "letter_missing_glyphs": (
        "⚠️ PDF のフォントにない文字があり、PDF では抜けています: {chars}\n"
        "テキスト版を使うか、印刷後に手書きで補ってください。"
    ),
    "letter_expired": "この書面の作成は、もう終わっています。",
    "refused_not": "断っていない",
    "opt.no_record": "🔍 記録がないと言われた",
    "outcome.no_record.recorded": (
        "記録しました。"
        "「記録がない」と言われたときは、記録した名簿業者が、実際の入手先ではないのかもしれません。"
        "電話してきた会社が第三者から名簿の提供を受けたのなら、入手先を確認し記録する義務があるので（個人情報保護法30条）、書面でその記録の開示を求められます（33条）。"
        "また、オプトアウトの届出をしていない名簿業者が同意なく提供していたのなら、27条1項に反するおそれがあります。"
        "その場合は提供の停止を求めたり（35条3項）、個人情報保護委員会に相談したりすることも考えられます。"
    ),
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
        "断った記録がないと、「再勧誘」として申告できません。"
    ),
    "what.write_letter": "書面で請求する",
    "reminder.check_compliance.letter.text": (
        "⏰ ケース #{number}: {whom}への書面を作ってから{elapsed}です。"
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
        "2枚以上になるときは、ホチキスで留めて契印を押します。"
        "オンラインの e内容証明でも出せます（書式は同サービスの案内で確かめてください）。"
    ),
    "letter_naiyo_address": (
        "受取人の住所は、内容証明用の書面では末尾の空欄に、もう一方の書面では宛名の上に書き入れてください。"
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
    "note.optout_method": (
        "提供停止の求めの受付方法は、個人情報保護委員会のウェブサイトの「オプトアウト届出書検索」で、この業者の届出を見て確認できます。"
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
    "note.unreadable_blank": (
        "宛名が空欄です。記録した免許番号（{licence}）からは、免許を出したのが知事か国土交通大臣かが分からないため、提出先が決まりません。"
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
        "ただ、このケースには断った記録がないため、「再勧誘」としては記録できません。"
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
    # --- who is calling? (/who; a number pasted or shared) -------------------------------
    "cmd.who": "番号・会社名で相手を調べる",
    "who_prompt": "調べたい電話番号か会社名を送ってください（貼り付けで大丈夫です）。",
    "who_empty": "会社名か電話番号を入れてください。例: /who 03-1234-5678",
    "who_cancelled": "調べるのをやめました。",
    "who.refused": "🚫 以前お断りした相手です: {who}（{date}、ケース #{number}）",
    "who.refused_undated": "🚫 以前お断りした相手です: {who}（ケース #{number}）",
    "who.company": "会社: {value}",
    "who.person": "担当者: {value}",
    "who.phone": "電話番号: {value}",
    "who.broker": "名簿業者: {value}",
    "who.calls_after": "お断りした後の電話: {count}回（最後 {date}）",
    "who.calls_after_undated": "お断りした後の電話: {count}回",
    "who.no_calls_after": "お断りした後の電話は、まだ記録されていません。",
    "who.seen": "📒 記録があります（ケース #{number}、{date}）。断った記録はありません。",
    "who.seen_hint": "いま電話中なら、はっきり断りましょう。番号入力済みで始められます。",
    "who.case_gone": (
        "この答えを出したときのケース #{number} はもう記録にないため、会社名は空欄のまま始めます。"
    ),
    "who.company_gone": "ケース #{number} の会社名がもう記録にないため、会社名は空欄のまま始めます。",
    "who.seen_hint_company": "いま電話中なら、はっきり断りましょう。会社名入力済みで始められます。",
    "who.unknown_number": (
        "❔ {phone} は、あなたの記録にありません。"
        "初めての相手なら、いつもどおりはっきり断りましょう。"
    ),
    "who.unknown_name": "❔ 「{name}」は、あなたの記録にありません。",
    "who.similar": "似た名前の会社なら記録があります（同じ相手なら、その名前で /who を）:\n{names}",
    "who.similar_one": "・{company}（ケース #{number}）",
    "who.is_broker": "📒 「{name}」は、名簿業者として記録があります（{count}件のケース。/brokers で一覧）。",
    "who.not_them": "わかりました。記録は何も変えていません。",
    "who.step_seen": (
        "📒 この番号はケース #{number} に記録があります（断った記録はありません）。"
        "番号はこのケースに記録しました。"
    ),
    "who.step_unknown": "❔ この番号は記録にありません。番号はこのケースに記録しました。",
    "who.step_seen_name": (
        "📒 「{name}」はケース #{number} に記録があります（断った記録はありません）。"
        "会社名はこのケースに記録しました。"
    ),
    "opt.who_now": "📞 いまかかってきている",
    "opt.who_earlier": "🕒 前にかかってきた",
    "opt.who_not": "🙅 別の相手だった",
    "opt.who_call": "📞 電話中（番号入力済み）",
    "opt.who_after": "📝 電話のあと（番号入力済み）",
    "opt.check_number": "🔎 番号を調べる",
    "step.check_number.text": (
        "🔎 かかってきている番号を送ってください（貼り付け・連絡先の共有でも大丈夫です）。"
    ),
    "step.refusing_again.text": (
        "🚫 以前お断りした相手です（{date}、ケース #{number}）。"
        "今回は、断った後の電話です。こう言います。"
    ),
    "step.refusing_again.text_undated": (
        "🚫 以前お断りした相手です（ケース #{number}）。今回は、断った後の電話です。こう言います。"
    ),
    "say.refused_before": (
        "{date}に、はっきりお断りしています。お断りした後の勧誘は、{law}で禁じられています。"
        "今後、二度と電話しないでください。"
    ),
    "say.refused_before_undated": (
        "以前、はっきりお断りしています。お断りした後の勧誘は、{law}で禁じられています。"
        "今後、二度と電話しないでください。"
    ),
    "law.property": "宅地建物取引業法",
    "law.sales": "特定商取引法",
    "opt.who_call_company": "📞 電話中（会社名入力済み）",
    "opt.who_after_company": "📝 電話のあと（会社名入力済み）",
    "who.step_refused": "🚫 以前お断りした相手です（{date}、ケース #{number}）。",
    "who.step_refused_undated": "🚫 以前お断りした相手です（ケース #{number}）。",
    "who.step_unknown_name": "❔ 「{name}」は記録にありません。会社名はこのケースに記録しました。",
    # The product is not known: neither law is established, so the line says "should".
    "say.refused_before_hedged": (
        "{date}に、はっきりお断りしています。お断りした後の勧誘は、{law}で禁じられているはずです。"
        "今後、二度と電話しないでください。"
    ),
    "say.refused_before_undated_hedged": (
        "以前、はっきりお断りしています。お断りした後の勧誘は、{law}で禁じられているはずです。"
        "今後、二度と電話しないでください。"
    ),
    "say.refused_before_unsure": (
        "{date}に、はっきりお断りしています。"
        "お断りした後の勧誘は、法律で禁じられているはずです。"
        "今後、二度と電話しないでください。"
    ),
    "say.refused_before_undated_unsure": (
        "以前、はっきりお断りしています。"
        "お断りした後の勧誘は、法律で禁じられているはずです。"
        "今後、二度と電話しないでください。"
    ),
    "law.note.property": "根拠: 宅地建物取引業法47条の2第3項と同法施行規則（断った相手への勧誘の禁止）。",
    "law.note.sales": "根拠: 特定商取引法17条（電話勧誘販売に当たる場合、断った相手への勧誘の禁止）。",
    "law.note.any": (
        "根拠: 不動産の勧誘は宅地建物取引業法47条の2第3項と同法施行規則、"
        "その他の商品は特定商取引法17条（電話勧誘販売に当たる場合）。"
    ),
}

# --- LINE ---
# The LINE channel's own lines (bot/line_app.py) and the quick-reply buttons' short labels
# (LINE shows at most 20 characters): ``line.opt.X`` stands for ``opt.X`` where that is longer;
# the full label still goes into the chat as what the user chose (displayText).
JA.update(
    {
        "line.forgotten_chat_history": (
            "このトークの履歴はLINEに残ります。消すには、トーク画面のメニューから"
            "「トーク履歴を削除」を選んでください。"
        ),
        "line.file_coming": "📄 {filename} は、いまLINEではお送りできません。",
        "line.file_link": "📎 {name}\n{url}\n（このリンクは{minutes}分間有効です。開いて保存してください）",
        "line.quota_held": (
            "⏰ 今月のLINEの送信上限に達したため、リマインダーをお届けできませんでした。"
            "/reminders で予定を確認できます。"
        ),
        "line.opt.remind_default": "📅 次の営業日 {when}",
        "line.opt.remind_evening": "🌆 今夜 {when}",
        "line.opt.remind_morning": "🌅 明日の朝 {when}",
        "line.opt.remind_3days": "🗓 3日後 {when}",
        "line.opt.r_cancel": "✖️ #{number} {when}",
        "line.opt.r_snooze_office_morning": "🌅 次の営業日の朝に",
        "line.opt.named": "📝 入手先を言った",
        "line.opt.dodged": "🤐 はぐらかされた",
        "line.opt.not_refused": "🤷 断れなかった",
        "line.opt.after_source.dodged": "🤐 聞けなかった",
        "line.opt.property": "🏢 不動産",
        "line.opt.now": "🕒 いま（この電話）",
        "line.opt.start_after": "📝 電話のあと",
        "line.opt.case_again": "📞 また電話があった",
        "line.opt.letter_broker_request": "✉️ 名簿業者への請求書",
        "line.opt.letter_company_request": "✉️ 会社への請求書",
        "line.opt.letter_resolicitation_report": "📝 再勧誘の申告書",
        "line.opt.sender_new": "別の氏名・住所",
        "line.opt.keep_sender_no": "保存しない",
        "line.opt.no_record": "🔍 記録がないと言われた",
        "line.opt.r_no_reply": "📭 返事がない",
        "line.opt.r_answered": "✉️ 回答が来た",
        "line.opt.who_now": "📞 いま掛かっている",
        "line.opt.who_earlier": "🕒 前に掛かってきた",
        "line.opt.who_call": "📞 電話中",
        "line.opt.who_after": "📝 電話のあと",
    }
)
