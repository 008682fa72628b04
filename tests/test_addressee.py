"""The postal address of a request's addressee: asked first, printed above its name, kept on
the case and offered again (``flows.features.letters``, ``Store.known_address``)."""

from __future__ import annotations

from datetime import datetime

from flows import letters
from flows.engine import Engine
from flows.port import Inbound, Response
from flows.schedule import JAPAN
from flows.texts import EN, JA
from tests.test_review import give_sender, record, start_letter, text_of
from tests.transcript import EngineChat, Press

MORI = "〒100-0005 東京都千代田区丸の内9-9-9 森ビル3階"
MIRAI = "〒160-0023 東京都新宿区西新宿9-9-9 みらいタワー12階"


def letter_body(done: Response) -> str:
    [txt] = [a for a in done.replies[0].attachments if a.filename.endswith(".txt")]
    return txt.data.decode("utf-8")


def write(chat: EngineChat, kind: str, to: str | None = None) -> Response:
    """A whole letter of case 1: the addressee's address ``to`` (or skipped), a new sender."""
    start_letter(chat, kind, to)
    give_sender(chat, "山田 花子")
    return chat.say("いいえ")  # not kept


def test_the_address_given_once_is_offered_again_and_skipping_it_leaves_it_kept(
    engine: Engine,
) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    first = write(chat, "✉️ 名簿業者への請求書", MORI)
    assert f"\n{MORI}\n名簿の森 御中\n" in letter_body(first)
    view = text_of(chat.say("/case 1"))
    assert f"名簿業者: 名簿の森\n名簿業者の住所: {MORI}" in view

    chat.say("/case 1")
    menu = chat.press("✉️ 書面を作る")
    asked = chat.press("✉️ 名簿業者への請求書", on=menu)
    assert text_of(asked).endswith(JA["letter_recipient_known"].format(address=MORI))
    labels = [o.label for o in asked.replies[-1].options]
    assert labels == [JA["opt.recipient_keep"], "⏭ スキップ", "✖️ 中止"]
    chat.press(JA["opt.recipient_keep"], on=asked)
    give_sender(chat, "山田 花子")
    assert f"\n{MORI}\n名簿の森 御中\n" in letter_body(chat.say("いいえ"))

    # Skipped this time: this letter leaves the address to be written in; the case keeps it.
    skipped = write(chat, "✉️ 名簿業者への請求書")
    assert MORI not in letter_body(skipped)
    assert JA["letter_naiyo_address"] in skipped.replies[0].text
    assert engine.store.case_by_number(1, 1)["broker_address"] == MORI


def test_the_company_is_asked_its_own_address_with_where_to_find_it(engine: Engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    chat.say("/case 1")
    menu = chat.press("✉️ 書面を作る")
    asked = text_of(chat.press("✉️ 電話してきた会社への請求書", on=menu))
    assert asked == "\n".join(
        (JA["letter_ask_recipient"].format(name="みらい不動産"), JA["letter_find_company"])
    )
    chat.say(MIRAI)
    give_sender(chat, "山田 花子")
    body = letter_body(chat.say("いいえ"))
    assert f"\n{MIRAI}\nみらい不動産 御中\n" in body and MORI not in body
    case = engine.store.case_by_number(1, 1)
    assert (case["company_address"], case["broker_address"]) == (MIRAI, None)


def test_another_case_of_the_same_broker_offers_its_address(engine: Engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    write(chat, "✉️ 名簿業者への請求書", MORI)
    record(engine, "あおぞら住宅", broker="名簿の森")  # case 2, the same broker
    record(engine, "あおぞら住宅", broker="別の名簿屋")  # case 3, another one
    chat.say("/case 2")
    asked = chat.press(JA["opt.letter_broker_request"], on=chat.press("✉️ 書面を作る"))
    assert JA["letter_recipient_known"].format(address=MORI) in text_of(asked)
    chat.press(JA["opt.recipient_keep"], on=asked)
    assert engine.store.case_by_number(1, 2)["broker_address"] == MORI, "kept on case 2 too"
    chat.say("/cancel")
    chat.say("/case 3")
    asked = chat.press(JA["opt.letter_broker_request"], on=chat.press("✉️ 書面を作る"))
    assert MORI not in text_of(asked)
    assert [o.label for o in asked.replies[-1].options] == ["⏭ スキップ", "✖️ 中止"]


def test_a_case_naming_another_broker_keeps_no_address_of_the_first(engine: Engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    write(chat, "✉️ 名簿業者への請求書", MORI)
    write(chat, "✉️ 電話してきた会社への請求書", MIRAI)
    store = engine.store
    case = store.case_by_number(1, 1)
    before = dict(case)
    case["broker_name"] = "名簿の林"
    store.save_case(before, case)  # type: ignore[arg-type]
    after = store.case_by_number(1, 1)
    assert (after["broker_address"], after["company_address"]) == (None, MIRAI)
    case, before = dict(after), dict(after)
    case["broker_name"] = "名簿の林 "  # the same name as stored (normalised): the same broker
    case["broker_address"] = MORI
    store.save_case(before, case)  # type: ignore[arg-type]
    before = dict(store.case_by_number(1, 1))
    case = dict(before, company="株式会社ひかり不動産", company_norm="ひかり不動産")
    store.save_case(before, case)  # type: ignore[arg-type]
    after = store.case_by_number(1, 1)
    assert (after["broker_address"], after["company_address"]) == (MORI, None)


def test_what_cannot_be_an_address_is_asked_again(engine: Engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    asked = text_of(start_letter(chat, "✉️ 名簿業者への請求書", "はい"))
    assert asked.startswith(JA["bad_recipient_address"] + "\n宛先「名簿の森」")
    assert text_of(chat.say("東京都" + "千代田区" * 60)).startswith("長すぎます（120文字まで）")
    assert text_of(engine.handle(Inbound(1, text=""))).startswith(JA["empty_text"])
    photo = text_of(engine.handle(Inbound(1, attachment="photo")))
    assert photo.startswith(JA["attachment_hint"] + "\n宛先「名簿の森」"), "asked again"
    assert "名簿の森" in text_of(chat.say("中央区1-2-3 📮🏢"))  # no prefecture or postcode
    assert engine.store.case_by_number(1, 1)["broker_address"] is None
    assert text_of(chat.say("スキップ")) == JA["letter_ask_name"]


def test_in_english_the_address_is_asked_and_printed_as_typed(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.say("/language en")
    chat.walk("/after", Press(EN["opt.yes_refused"]), Press(EN["opt.after_source.named"]))
    chat.walk("Meibo no Mori", "Mirai Realty", "skip", "skip", "skip", "skip")
    chat.press(EN["opt.confirm"])
    chat.press(EN["opt.agreed"])
    chat.say("/case 1")
    menu = chat.press(EN["opt.case_letter"])
    asked = text_of(chat.press(EN["opt.letter_broker_request"], on=menu))
    assert asked.startswith(EN["letter_ask_recipient"].format(name="Meibo no Mori"))
    address = "100-0005 Tokyo, Chiyoda-ku, Marunouchi 9-9-9"
    assert text_of(chat.say(address)) == EN["letter_ask_name"]
    chat.walk("Hanako Yamada", "150-0001 Tokyo, Shibuya-ku, Jingumae 1-2-3", "skip")
    done = chat.press(EN["opt.keep_sender_no"])
    assert f"\n{address}\nMeibo no Mori 御中\n" in letter_body(done)


def test_the_saved_sender_and_the_given_address_go_on_one_letter(engine: Engine) -> None:
    """The address is asked before the saved sender's choice, and both reach the letter (the
    dialog keeps the address while it waits for the sender's button)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書", MORI)
    give_sender(chat, "山田 花子")
    chat.say("はい")  # kept
    offer = start_letter(chat, "✉️ 電話してきた会社への請求書", MIRAI)
    assert offer.replies[0].text == "保存してある差出人: 山田 花子（東京都渋谷区1-1）"
    body = letter_body(chat.press("この差出人で作る", on=offer))
    assert f"\n{MIRAI}\nみらい不動産 御中\n\n東京都渋谷区1-1\n山田 花子\n" in body


def test_an_address_button_answers_only_its_own_letters_question(engine: Engine) -> None:
    """「この住所で作る」 left under the broker letter's question, pressed while the company
    letter's waits, used the company's address unasked (the buttons carried no letter)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    write(chat, "✉️ 名簿業者への請求書", MORI)
    write(chat, "✉️ 電話してきた会社への請求書", MIRAI)
    chat.say("/case 1")
    broker_asked = chat.press(JA["opt.letter_broker_request"], on=chat.press("✉️ 書面を作る"))
    chat.say("/case 1")
    company_asked = chat.press(JA["opt.letter_company_request"], on=chat.press("✉️ 書面を作る"))
    stale = chat.press(JA["opt.recipient_keep"], on=broker_asked)
    assert stale.notice == JA["letter_expired"] and not stale.replies
    assert chat.press("⏭ スキップ", on=broker_asked).notice == JA["letter_expired"]
    assert engine.store.user(1)["pending"] is not None, "the company letter's question waits"
    chat.press(JA["opt.recipient_keep"], on=company_asked)
    give_sender(chat, "山田 花子")
    assert f"\n{MIRAI}\nみらい不動産 御中\n" in letter_body(chat.say("いいえ"))


def test_a_company_of_a_similar_name_is_not_offered_the_others_address(engine: Engine) -> None:
    """株式会社みらい不動産 and みらい不動産有限会社 are one caller for the repeat check, but
    a letter to the second must not go to the first's address."""
    chat = EngineChat(engine)
    record(engine, "株式会社みらい不動産", broker="名簿の森")
    write(chat, "✉️ 電話してきた会社への請求書", MIRAI)
    record(engine, "みらい不動産有限会社", broker="名簿の森")  # case 2
    chat.say("/case 2")
    asked = chat.press(JA["opt.letter_company_request"], on=chat.press("✉️ 書面を作る"))
    assert MIRAI not in text_of(asked)
    record(engine, "株式会社みらい不動産", broker="名簿の森")  # case 3: the same name
    chat.say("/cancel")
    chat.say("/case 3")
    asked = chat.press(JA["opt.letter_company_request"], on=chat.press("✉️ 書面を作る"))
    assert JA["letter_recipient_known"].format(address=MIRAI) in text_of(asked)


def test_realistic_long_addresses_keep_the_naiyo_closing_on_one_page() -> None:
    """The closing (date, sender, recipient) stays together with addresses of 80 characters
    and the longest name a company may have."""
    from tests.test_letters import EVENTS, TODAY, TZ, full_case

    long = "〒100-0005 東京都千代田区丸の内九丁目九番九号 " + "丸の内" * 18
    sender = letters.Sender("山田 花子", long[:80], "090-1234-5678")
    case = full_case(broker_address=long[:80], broker_name="日本名簿センター株式会社")
    letter = letters.broker_request(case, EVENTS, sender, TODAY, TZ)
    _, closing = letters.naiyo_lines(letter)
    pages = letters.naiyo_pages(letter)
    assert len(closing) <= letters.NAIYO_ROWS
    assert pages[-1][-len(closing) :] == closing


def test_the_saved_senders_question_takes_its_options_numbers_typed(engine: Engine) -> None:
    """In a chat, numbers typed for its buttons work as the shell's do: a question that
    only ever showed itself again was a dead end."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    give_sender(chat, "山田 花子")
    chat.say("はい")  # kept
    start_letter(chat, "✉️ 名簿業者への請求書")
    assert text_of(engine.handle(Inbound(1, text="2"))) == JA["letter_ask_name"]
    start_letter(chat, "✉️ 名簿業者への請求書")
    assert text_of(engine.handle(Inbound(1, text="3"))) == JA["letter_cancelled"]
    start_letter(chat, "✉️ 名簿業者への請求書")
    done = engine.handle(Inbound(1, text="１"))
    assert done.replies[0].text.startswith("「個人データの第三者提供停止等請求書」を作りました")


def test_a_photo_or_a_contact_at_the_letters_questions(engine: Engine) -> None:
    """A photo at a button question is told to use the buttons; a contact shared for the
    sender's phone is the phone (both were treated as a step's attachment)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.walk("山田 花子", "東京都渋谷区1-1")
    asked_keep = engine.handle(Inbound(1, contact_phone="+819012345678"))
    assert text_of(asked_keep) == JA["letter_ask_keep_phone"]
    photo = text_of(engine.handle(Inbound(1, attachment="photo")))
    assert photo == JA["attachment_hint_option"] + "\n" + JA["letter_ask_keep_phone"]
    done = chat.say("いいえ")
    assert "090-1234-5678" in letter_body(done)


def test_a_letter_states_japans_time_whatever_zone_the_user_reads_in(engine: Engine) -> None:
    """A user reading the bot in London got 「令和8年…5時頃…電話がありました」 for a call at
    14:00 in Japan: the letter's dates carry no zone, so they are Japan's."""
    chat = EngineChat(engine)
    chat.say("/settings tz Europe/London")
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"), "名簿の森", "みらい不動産")
    chat.walk("skip", "skip", "skip", Press("🕒 いま（この電話）"))
    chat.walk(Press("✅ 保存する"), Press("🙆 応じた"))
    body = letter_body(write(chat, "✉️ 名簿業者への請求書"))
    call = engine.store.case_by_number(1, 1)
    assert call is not None
    hour = datetime.fromisoformat(call["call_at"]).astimezone(JAPAN).hour
    assert f"{hour}時頃" in body


def test_the_brokers_address_given_is_not_sent_to_be_looked_up(engine: Engine) -> None:
    """With the broker's address typed for the letter, its delivery still said where to
    look the address up (found in review); only how the broker takes requests is left."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    given = write(chat, "✉️ 名簿業者への請求書", MORI).replies[0].text
    assert JA["note.optout_method"] in given and JA["note.optout_search"] not in given
    skipped = write(chat, "✉️ 名簿業者への請求書").replies[0].text
    assert JA["note.optout_search"] in skipped


def test_the_address_questions_buttons_work_typed(engine: Engine) -> None:
    """「この住所で作る」 typed at the address question was read as an address and refused
    as none; its number went the same way (found in review)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    write(chat, "✉️ 名簿業者への請求書", MORI)

    def at_the_address_question() -> None:
        menu = chat.press("✉️ 書面を作る", on=chat.say("/case 1"))
        asked = chat.press("✉️ 名簿業者への請求書", on=menu)
        assert text_of(asked).endswith(JA["letter_recipient_known"].format(address=MORI))

    for typed in ("この住所で作る", "1"):
        at_the_address_question()
        asked = chat.say(typed)
        assert JA["bad_recipient_address"] not in text_of(asked), typed
        give_sender(chat, "山田 花子")
        assert f"\n{MORI}\n名簿の森 御中\n" in letter_body(chat.say("いいえ")), typed
    at_the_address_question()
    chat.say("2")  # ⏭ スキップ
    give_sender(chat, "山田 花子")
    assert MORI not in letter_body(chat.say("いいえ"))
