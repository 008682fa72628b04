"""The letters' wording: Japanese only (they go to Japanese businesses and offices)."""

from __future__ import annotations

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
    "letter.refused": "私は{at}勧誘を明確にお断りしました。",
    "letter.refused.never_again": "私は{at}勧誘を明確にお断りし、今後電話をしないよう求めました。",
    "letter.appi": "個人情報の保護に関する法律（以下「個人情報保護法」といいます。）",
    "letter.reply_deadline": "本書到達後2週間以内に書面で回答してください。",
    "letter.only_for_this": "この情報は、本請求への対応のためにのみ使用してください。",
    "letter.heading.history": "【経緯】",
    "letter.heading.requests": "【請求の内容】",
    "letter.heading.identity": "【照合のための情報】",
    "letter.stop_use": "2. 利用停止および消去（個人情報保護法第35条）",
    "letter.reply": "4. 回答",
    # A letter after an earlier one the user recorded got no answer (a 督促).
    "letter.unanswered": (
        "私は、{day}付の書面で、貴社に同じ内容を請求しましたが、現在まで、"
        "貴社による回答または対応を確認できていません。本書により、改めて請求します。"
    ),
    "letter.unanswered.plain": (
        "私は、{day}付の書面で、貴社に同じ内容を請求しましたが、現在まで、"
        "貴社による回答または対応を確認できていません。"
    ),
    "letter.identity": "貴社の記録と照合できるよう、私の情報を記します。",
    # --- to the list broker --------------------------------------------------------
    "letter.broker.title": "個人データの第三者提供停止等請求書",
    "letter.broker.to_unknown": "個人情報ご担当者様",
    "letter.broker.intro": "私は、貴社が保有する私の個人データについて、{appi}に基づき、下記のとおり請求します。",
    "letter.broker.named": "その際、先方は私の連絡先の入手先として貴社の名称を挙げました。",
    # Step ④: the user called the broker and asked it to stop and erase; its answer.
    "letter.broker.demanded.declined": (
        "{day}、私は貴社に電話で、私の個人データの第三者提供の停止と消去を求めましたが、"
        "貴社はこれに応じませんでした。"
    ),
    "letter.broker.demanded.agreed": (
        "{day}、私は貴社に電話で、私の個人データの第三者提供の停止と消去を求め、"
        "応じるとの回答を受けました。本書により、改めて書面で請求します。"
    ),
    "letter.broker.demanded.no_record": (
        "{day}、私は貴社に電話で、私の個人データの第三者提供の停止と消去を求めましたが、"
        "私の個人データの記録はないとの回答でした。念のため、本書により書面で請求します。"
    ),
    "letter.broker.believed": (
        "私は、貴社が私の個人データを保有し、第三者に提供しているものと考えています。"
    ),
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
        "また、貴社が同項の届出をしていない場合、本人の同意のない提供は同条第1項に反しますので、"
        "同法第35条第3項に基づき、第三者への提供の停止を請求します。"
    ),
    "letter.broker.stop_use.text": (
        "　私は望まない勧誘電話を受けており、貴社による私に関する保有個人データの取扱いにより"
        "私の権利又は正当な利益が害されるおそれがあります。私に関する保有個人データの利用を"
        "停止し、消去してください。"
        "ただし、私の個人データが再び提供されることのないよう、本請求を受けた事実の記録に"
        "必要な範囲に限り、保存することは差し支えありません。"
    ),
    "letter.broker.disclose": "3. 提供先の開示（個人情報保護法第33条）",
    "letter.broker.disclose.text": (
        "　貴社が同法第29条に基づき作成・保存している第三者提供の記録のうち、私に関するもの"
        "（提供した年月日、提供先の名称および住所など）を開示してください。あわせて、貴社が"
        "私の個人データを取得した方法（取得の経緯）をお知らせください。開示に手数料が必要な"
        "場合は、その金額と支払方法をお知らせください。"
    ),
    "letter.broker.reply.text": (
        "　上記1から3について、開示の内容および対応の結果（提供の停止、利用停止および消去を"
        "行った日を含みます）を"
        "{deadline}"
    ),
    "letter.broker.identity": (
        "{identity}貴社の記録では、住所などがこれと異なる形で登録されている可能性があります。"
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
    "letter.company.named": "その際、貴社は私の連絡先の入手先として「{broker}」の名称を挙げました。",
    "letter.company.earlier": (
        "なお、私は{at}に貴社から勧誘の電話を受けた際{also}、勧誘をお断りしています。"
        "上記の電話は、それにもかかわらず改めて行われた勧誘です。"
    ),
    "letter.company.earlier.at": "{when}頃",
    "letter.company.earlier.before": "以前",
    # "also refused then" only if this call was refused
    "letter.company.earlier.also": "にも",
    "letter.company.earlier.only": "に",
    "letter.company.no_record": "なお、「{broker}」に問い合わせたところ、私の個人データの記録はないとの回答でした。",
    "letter.company.no_record.also": "また、「{broker}」に問い合わせたところ、私の個人データの記録はないとの回答でした。",
    "letter.company.source": "1. 入手先の開示（個人情報保護法第30条・第33条）",
    "letter.company.source.text": (
        "　個人情報保護法第30条により、貴社は第三者から個人データの提供を受ける際、提供者の"
        "氏名又は名称、住所、代表者の氏名、および提供者がそのデータを取得した経緯を確認し、"
        "その記録を作成・保存しなければなりません。私に関するこの確認の記録（提供者の名称、"
        "住所、提供者による取得の経緯、提供を受けた年月日）を、同法第33条に基づき開示して"
        "ください。"
    ),
    "letter.company.source.named": "貴社が電話で挙げた「{broker}」から取得したのであれば、その記録を示してください。",
    "letter.company.source.recorded": "「{broker}」から取得したのであれば、その記録を示してください。",
    "letter.company.stop_use.text": (
        "　私は望まない勧誘電話を受けており、貴社による私に関する保有個人データの取扱いにより"
        "私の権利又は正当な利益が害されるおそれがあります。私に関する保有個人データの利用を"
        "停止し、消去してください。ただし、貴社が再び私に勧誘することのない"
        "よう、本請求を受けた事実の記録に必要な範囲に限り、保存することは差し支えありません。"
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
        "　電話勧誘販売に当たる場合、特定商取引に関する法律第17条は、契約を締結しない旨の意思を"
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
    "letter.report.broker_recorded": "・申告者が入手先と考える名簿業者：{value}",
    "letter.report.said": "お断りした",
    "letter.report.said.never_again": "お断りし、今後電話をしないよう求めた",
    "letter.report.refused_at": "・勧誘を{said}日時：{when}",
    "letter.report.refused_by": "{date}以前（日時の記録なし）",
    "letter.report.calls": "・お断りした後の電話（{count}回）：",
    "letter.report.call": "　{n}. {when}頃",
    "letter.report.untimed": "　このほか、日時を記録していない電話が{count}回あります。",
    "letter.report.no_calls": "・お断りした後の電話：日時の記録なし",
    "letter.report.untimed_only": "・お断りした後の電話：{count}回（日時の記録なし）",
    "letter.report.refused_again": "・お断りした後の電話でも、改めてお断りしています。",
    "letter.report.property_law": (
        "宅地建物取引業法第47条の2第3項および同法施行規則は、宅地建物取引業者が、"
        "契約を締結しない旨の意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）"
        "を表示した相手方に勧誘を続けることを禁じています。"
    ),
    "letter.report.property_ask": (
        "事実関係をご確認のうえ、当該業者に対し適切な指導等を行っていただきますよう、お願いいたします。"
    ),
    "letter.report.property_intro": (
        "下記の宅地建物取引業者から、私が勧誘をお断りした後にも、電話がありました。"
        "{law}本件はこれに当たると考えますので、申告します。"
    ),
    "letter.report.sales_law": (
        "電話勧誘販売に当たる場合、特定商取引に関する法律第17条は、契約を締結しない旨の意思を表示した"
        "相手方に勧誘を続けることを禁じています。"
    ),
    "letter.report.sales_ask": "本件がこれに当たるかどうかも含めてご相談したく、助言と対応をお願いいたします。",
    "letter.report.sales_intro": "下記の事業者から、私が勧誘をお断りした後にも、電話がありました。{law}",
    "letter.report.heading.business": "【事業者】",
    "letter.report.heading.reporter": "【申告者の連絡先】",
    "letter.report.heading.consulter": "【相談者の連絡先】",
    # --- the 内容証明 layout -----------------------------------------------------------
    "letter.naiyo.title": "{title}（内容証明用）",
    "letter.naiyo.sender": "差出人",
    "letter.naiyo.recipient": "受取人",
}
