"""Mail parsing against a corpus of hostile messages (tests/data/mail/) and generated ones."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import RepConfig
from assistant.errors import MailParseError
from assistant.mailparse import SLIM_THRESHOLD, decode_bytes, parse, slim
from assistant.models import RawMessage

CORPUS = Path(__file__).parent / "data" / "mail"
REP = RepConfig(name="Sam Rivera", email="sam@northwind-analytics.com", timezone="America/New_York")
NY = ZoneInfo("America/New_York")


def load(name: str, **kw: object) -> RawMessage:
    return RawMessage("acct", name, (CORPUS / name).read_bytes(), **kw)  # type: ignore[arg-type]


def test_every_corpus_message_parses_or_fails_cleanly() -> None:
    for path in sorted(CORPUS.iterdir()):
        try:
            m = parse(RawMessage("acct", path.name, path.read_bytes()), REP)
        except MailParseError as e:
            assert path.name in str(e)
            continue
        assert m.sent_at.tzinfo is not None
        assert "\x00" not in m.body and "\x00" not in m.subject
        m.body.encode("utf-8")  # no lone surrogates: storable
        m.subject.encode("utf-8")


def test_broken_mime_keeps_the_text() -> None:
    m = parse(load("broken-mime.eml"), REP)
    assert "signed contract by Friday" in m.body
    assert "not base64" not in m.body  # the attachment is skipped, never decoded into the body
    assert m.message_id == "broken-1@buyer.example"
    assert m.direction == "received"


def test_unknown_charset_falls_back_to_utf8() -> None:
    m = parse(load("unknown-charset.eml"), REP)
    assert "José" in m.body and "señor" in m.body


def test_lying_charsets() -> None:
    assert "café résumé" in parse(load("lying-charset-ascii.eml"), REP).body
    m = parse(load("lying-charset-utf8.eml"), REP)
    assert "Schöne Grüße aus München" in m.body
    assert m.sender.name == "Jürgen"


def test_html_only_becomes_text_without_quotes_or_scripts() -> None:
    m = parse(load("html-only.eml"), REP)
    assert "I’ll send the signed order form by Friday." in m.body
    assert "call you Monday" not in m.body  # the gmail_quote/blockquote is history
    assert "alert" not in m.body and "color:red" not in m.body


def test_nested_forward_reads_only_the_forwarders_note() -> None:
    m = parse(load("nested-forward.eml"), REP)
    assert "I'll get you their answer by Monday" in m.body
    assert "deepest" not in m.body and "Middle forward note" not in m.body


def test_encoded_headers_and_threading_fields() -> None:
    m = parse(load("encoded-headers.eml"), REP)
    assert m.sender.name == "José García"
    assert m.subject == "Re: Propuesta – próximos pasos ✓"
    assert {a.name for a in m.recipients} == {"Renée Müller", "Sam Rivera"}
    assert m.in_reply_to == "orig-1@northwind-analytics.com"
    assert m.references == ("root-0@northwind-analytics.com", "orig-1@northwind-analytics.com")
    assert "te llamo el viernes" in m.body
    assert m.sent_at == datetime(2026, 11, 12, 22, 20, tzinfo=UTC)


def test_missing_date_uses_received_then_arrival_time_then_fails() -> None:
    assert parse(load("no-date.eml"), REP).sent_at == datetime(2026, 11, 13, 16, 15, tzinfo=UTC)
    arrived = datetime(2026, 11, 14, 8, 0, tzinfo=UTC)
    assert parse(load("no-date-no-received.eml", received_at=arrived), REP).sent_at == arrived
    with pytest.raises(MailParseError, match="no Date"):
        parse(load("no-date-no-received.eml"), REP)
    assert parse(load("bad-date.eml"), REP, now=arrived).sent_at == arrived


def test_quoted_printable_and_base64_alternative_prefers_plain() -> None:
    m = parse(load("qp-and-base64.eml"), REP)
    assert "Voilà: I'll send the résumé by Monday, and the long line that is soft wrapped" in m.body
    assert "HTML version" not in m.body


def test_parts_and_content_headers_go_through_policy_default() -> None:
    import assistant.mailparse as mp

    msg = mp._PARSER.parsebytes(load("qp-and-base64.eml").raw)
    assert isinstance(msg, EmailMessage)  # policy.default's message class: iter_parts, is_attachment
    ctype = msg["Content-Type"]
    assert ctype.content_type == "multipart/alternative" and ctype.params["boundary"]  # a structured header
    again = mp._PARSER.parsebytes(load("qp-and-base64.eml").raw)["Content-Type"]
    assert again is ctype  # repeated header values are parsed once


def test_header_parser_crash_falls_back_without_losing_the_message() -> None:
    # `name*1*` with no value makes policy.default's parameter parser raise IndexError (CPython 3.11)
    m = parse(load("bad-param-star.eml"), REP)
    assert m.body.strip() == "I'll send the revised numbers by Thursday."
    assert m.sender.name == "Kim Lee" and m.message_id == "param-star-1@buyer.example"


_NAME_WORD = st.sampled_from(["Kim", "Lee", "O'Brien", "x_y", "-", "Dr.", "3rd", "", " ", "\t", "Jürgen", "(c)"])
_LOCAL_PART = st.sampled_from(["kim", "kim.lee", "k+tag", "o'neil", "a_b", "x-y", "k..l", ".k", "%", "K"])
_DOMAIN_PART = st.sampled_from(["buyer.example", "x.co.uk", "localhost", "a-b.example", "b..example", "B.EXAMPLE"])
_JUNK = st.sampled_from(["", "", "", "\"", ",", "<", ">", "@", ":", ";", "\\", " ", "=?utf-8?q?x?="])


@st.composite
def _address_header(draw: st.DrawFn) -> str:
    items = []
    for _ in range(draw(st.integers(1, 3))):
        name = " ".join(draw(st.lists(_NAME_WORD, max_size=3)))
        addr = f"{draw(_LOCAL_PART)}@{draw(_DOMAIN_PART)}"
        item = draw(st.sampled_from([f"{name} <{addr}>", addr, f"<{addr}>", f" {addr} "]))
        cut = draw(st.integers(0, len(item)))
        items.append(item[:cut] + draw(_JUNK) + item[cut:])
    return ",".join(items)


@settings(max_examples=500, deadline=None)
@given(st.lists(_address_header(), min_size=1, max_size=2))
def test_address_fast_path_agrees_with_getaddresses(values: list[str]) -> None:
    from email.utils import getaddresses

    from assistant.mailparse import _simple_addresses

    fast = _simple_addresses(values)
    if fast is not None:  # the fast path answers only when it reads exactly what the email package reads
        assert fast == [(" ".join(n.split()), a) for n, a in getaddresses(values)]


def test_address_fast_path_takes_the_plain_forms() -> None:
    from assistant.mailparse import _simple_addresses

    assert _simple_addresses(["Kim Lee <kim.lee@buyer.example>, bo@x.co.uk"]) == [
        ("Kim Lee", "kim.lee@buyer.example"), ("", "bo@x.co.uk")]
    assert _simple_addresses(['"Lee, Kim" <kim@buyer.example>']) is None


def test_auto_replies_from_headers_subject_and_wording() -> None:
    ooo = parse(load("ooo-outlook.eml"), REP)
    assert ooo.is_auto_reply
    assert ooo.auto_reply_until == datetime(2026, 11, 28, tzinfo=NY)  # "through Friday Nov 27" -> back the 28th
    wording = parse(load("ooo-wording-only.eml"), REP)
    assert wording.is_auto_reply and wording.auto_reply_until == datetime(2026, 12, 1, tzinfo=NY)
    assert parse(load("bulk-precedence.eml"), REP).is_auto_reply
    assert parse(load("x-autoreply.eml"), REP).is_auto_reply
    real = parse(load("real-reply-mentions-office.eml"), REP)
    assert not real.is_auto_reply and real.auto_reply_until is None


def test_malformed_addresses_and_nul_bytes_do_not_crash() -> None:
    m = parse(load("malformed-addresses.eml"), REP)
    assert "I'll call you tomorrow" in m.body
    assert all("@" in a.email for a in m.recipients)
    n = parse(load("nul-bytes.eml"), REP)
    assert n.body.startswith("Beforeafter") and "\x1b" not in n.body


def test_not_an_email_and_empty_raise_parse_errors() -> None:
    with pytest.raises(MailParseError):
        parse(load("garbage.bin"), REP)
    with pytest.raises(MailParseError, match="empty"):
        parse(load("empty.eml"), REP)


def test_direction_from_address_then_folder() -> None:
    e = EmailMessage()
    e["From"] = "Sam <SAM@northwind-analytics.com>"
    e["To"] = "kim@buyer.example"
    e["Date"] = "Mon, 16 Nov 2026 09:00:00 -0500"
    e.set_content("hello")
    assert parse(RawMessage("a", "1", e.as_bytes(), direction_hint="received"), REP).direction == "sent"
    e.replace_header("From", "Kim <kim@buyer.example>")
    assert parse(RawMessage("a", "2", e.as_bytes()), REP).direction == "received"
    assert parse(RawMessage("a", "3", e.as_bytes(), direction_hint="sent"), REP).direction == "sent"
    assert parse(RawMessage("a", "4", e.as_bytes(), direction_hint="note"), REP).direction == "note"


def test_ids_are_content_derived() -> None:
    a = parse(load("html-only.eml"), REP)
    b = parse(RawMessage("other-account", "x/1", (CORPUS / "html-only.eml").read_bytes()), REP)
    assert a.id == b.id  # same Message-ID, same message wherever it is read
    one = parse(load("no-date.eml"), REP)
    assert one.id != a.id


def _huge_message(size: int) -> bytes:
    e = EmailMessage()
    e["From"] = "Kim <kim@buyer.example>"
    e["To"] = "sam@northwind-analytics.com"
    e["Subject"] = "the deck"
    e["Date"] = "Mon, 16 Nov 2026 09:00:00 -0500"
    e["Message-ID"] = "<huge-1@buyer.example>"
    e.set_content("Deck attached. I'll call you Tuesday at 2pm to go through it.")
    e.add_attachment(b"\x89PNG" + bytes(size), maintype="application", subtype="octet-stream", filename="deck.bin")
    return e.as_bytes()


def test_huge_attachment_is_skipped_and_never_held_decoded(tmp_path: Path) -> None:
    path = tmp_path / "huge.eml"
    path.write_bytes(_huge_message(20 * 1024 * 1024))  # 20 MB, ~27 MB once base64-encoded
    assert path.stat().st_size > 26 * 1024 * 1024
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            data, skipped = slim(f)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert skipped > 26 * 1024 * 1024 and len(data) < 10_000
    assert peak < 4 * 1024 * 1024  # read line by line: the attachment is never in memory whole
    m = parse(RawMessage("a", "huge", data), REP)
    assert "I'll call you Tuesday at 2pm" in m.body
    # handed over whole (as IMAP/Gmail do), it is slimmed before parsing and the text still comes out
    whole = path.read_bytes()
    assert len(whole) > SLIM_THRESHOLD
    assert "I'll call you Tuesday" in parse(RawMessage("a", "huge2", whole), REP).body


def test_slim_keeps_text_parts_intact() -> None:
    raw = (CORPUS / "qp-and-base64.eml").read_bytes()
    data, skipped = slim(io.BytesIO(raw))
    assert data == raw and skipped == 0


def test_decode_bytes_never_fails() -> None:
    assert decode_bytes(b"caf\xe9", "utf-8") == "café"  # lying utf-8 -> cp1252
    assert decode_bytes("café".encode(), "iso-8859-1") == "café"  # utf-8 labelled latin-1
    assert decode_bytes(b"\x81\x8d\x8f\x90\x9d", "nonsense") == "\x81\x8d\x8f\x90\x9d"


header_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        parse(RawMessage("a", "h", data), REP, now=datetime(2026, 11, 20, tzinfo=UTC))
    except MailParseError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=header_text, name=header_text, body=st.text(max_size=500),
       charset=st.sampled_from(["utf-8", "latin-1", "us-ascii", "x-bogus", "utf-16", "shift_jis", ""]),
       cte=st.sampled_from(["7bit", "8bit", "quoted-printable", "base64", "x-uuencode", "bogus"]),
       ctype=st.sampled_from(["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
                              "message/rfc822", "application/octet-stream"]),
       date=st.sampled_from(["Mon, 16 Nov 2026 09:00:00 -0500", "garbage", "", "Mon, 16 Nov 1850 09:00:00 +9999"]))
def test_generated_messages_never_crash(subject: str, name: str, body: str, charset: str, cte: str, ctype: str,
                                        date: str) -> None:
    header = (f"From: {name} <kim@buyer.example>\r\nTo: sam@northwind-analytics.com\r\nSubject: {subject}\r\n"
              f"Date: {date}\r\nMIME-Version: 1.0\r\n"
              f"Content-Type: {ctype}; charset=\"{charset}\"; boundary=\"b\"\r\n"
              f"Content-Transfer-Encoding: {cte}\r\n\r\n")
    enc = charset if charset and charset not in ("x-bogus",) else "utf-8"
    try:
        payload = body.encode(enc, "replace")
    except LookupError:
        payload = body.encode("utf-8")
    raw = header.encode("utf-8", "surrogateescape") + payload
    try:
        m = parse(RawMessage("a", "g", raw), REP, now=datetime(2026, 11, 20, tzinfo=UTC))
    except MailParseError:
        return
    m.body.encode("utf-8")
    m.subject.encode("utf-8")
    assert m.sent_at.tzinfo is not None
