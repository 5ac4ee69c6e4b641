"""Raw RFC 822 bytes -> the Message the product keeps.

Mail is hostile: broken MIME, charsets that do not exist or lie, 20 MB attachments, HTML-only bodies,
headers nobody encoded. The rules here:

- Python's `email` package does the parsing with `policy.default` (EmailMessage: iter_parts,
  is_attachment, its Content-Type/-Disposition/-Transfer-Encoding handling). Measured with cProfile on
  3,000 messages of the Enron-built bench corpus (bench/sync_speed.py), parsing and walking the parts:
  compat32 about 4,400 msgs/s; policy.default as shipped about 490/s, because Python 3.11's
  HeaderRegistry builds a new class on every header fetch and re-parses Content-Type at every
  get_content_type()/get_param(). With a header factory that caches the header classes (about 790/s) and
  the parsed header objects by (name, value) - Content-* values repeat across messages - it runs at
  about 4,900/s, as fast as compat32. The headers unique to each message stay expensive as objects
  (per message: Date 184 us, To 145 us, From 114 us, Subject 86 us, Message-ID 61 us, against 12-24 us
  each read raw and decoded with email.header / email.utils), so those few are read from
  `raw_items()` and decoded here, never trusted to be valid. A parser exception under policy.default
  (a bug in its header value parser) falls back to compat32 parsing rather than losing the message.
- Text parts are decoded from `get_payload(decode=True)` by `decode_bytes`, not `get_content()`: the
  latter decodes with the declared charset only, so a lying charset becomes mojibake or U+FFFD and an
  unknown one raises LookupError (tests/data/mail/lying-charset-*.eml, unknown-charset.eml).
- Only text parts are ever decoded. Attachments are skipped without being decoded, and a message above
  `SLIM_THRESHOLD` bytes is first "slimmed" by a line scanner that drops the bodies of non-text parts
  (and text beyond `MAX_TEXT_BYTES`), so a huge attachment is never held as a decoded whole; `slim()`
  also reads straight from a file, which is how the local source reads large files.
- Charsets: the declared one, unless the bytes are valid UTF-8 in a part that claims a single-byte
  charset (the common lie); unknown names fall back to UTF-8, then cp1252, then latin-1 (never fails).
- HTML-only mail becomes text with inscriptis after quoted blocks (blockquote, Gmail/Outlook quote
  containers) are removed.
- Auto-replies are flagged from their headers (Auto-Submitted, X-Autoreply, X-Autorespond, Precedence)
  or from out-of-office wording, and the return date an out-of-office names becomes `auto_reply_until`.

`parse()` returns the full text body (quotes included); the watcher strips quotes and resolves the thread.
A message with nothing to work with raises MailParseError (kept for a later retry)."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.message import Message as StdMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from assistant.config import RepConfig
from assistant.errors import MailParseError
from assistant.models import Address, Direction, Message, RawMessage, content_id

SLIM_THRESHOLD = 512 * 1024  # messages larger than this are slimmed before parsing
MAX_TEXT_BYTES = 1024 * 1024  # text kept per part; the rest of a giant text part is skipped
MAX_BODY_CHARS = 100_000  # the product needs the author's words, not a novel
_MAX_HEADER_BLOCK = 256 * 1024



class _RepeatingHeaders(HeaderRegistry):
    """policy.default's header factory, with the header classes and short header objects cached: the
    stock registry creates a class per fetch, and Content-* headers repeat across messages."""

    @functools.cache  # noqa: B019 - one module-level registry for the process
    def __getitem__(self, name: str) -> type[BaseHeader]:
        cls: type[BaseHeader] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > 200:
            return super().__call__(name, value)
        return self._cached(name, value)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - header objects are immutable
    def _cached(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


_POLICY = policy.default.clone(header_factory=_RepeatingHeaders())
_PARSER = BytesParser(policy=_POLICY)
_FALLBACK_PARSER = BytesParser(EmailMessage, policy=policy.compat32)
_HEADER_PARSER = BytesParser(policy=_POLICY)

# -- slimming: drop attachment bodies while reading, line by line ----------------------------------


def _iter_lines(stream: BinaryIO, limit: int = 65536) -> Iterable[bytes]:
    while True:
        line = stream.readline(limit)
        if not line:
            return
        yield line


def _part_kind(header_lines: list[bytes]) -> tuple[str, bytes | None, bool]:
    """(content type, boundary marker or None, is attachment) of one header block."""
    try:
        h = _HEADER_PARSER.parsebytes(b"".join(header_lines) + b"\n", headersonly=True)
        ctype = h.get_content_type()
        boundary = h.get_param("boundary")
        disp = str(h.get("Content-Disposition", "")).split(";")[0].strip().lower()
    except Exception:  # a header block the parser cannot read: treat its body as text
        return "text/plain", None, False
    marker = ("--" + boundary).encode("ascii", "replace") if isinstance(boundary, str) and boundary else None
    return ctype, marker, disp == "attachment"


def slim(stream: BinaryIO, *, max_text_bytes: int = MAX_TEXT_BYTES) -> tuple[bytes, int]:
    """Read a message from `stream`, keeping headers, structure and text parts but not the bodies of
    attachments or non-text parts. Returns (bytes kept, bytes skipped). Memory stays bounded by the
    text kept, whatever the size of the attachments."""
    out: list[bytes] = []
    boundaries: list[bytes] = []
    in_headers = True
    header_lines: list[bytes] = []
    header_bytes = 0
    keep = True
    part_bytes = 0
    skipped = 0
    for line in _iter_lines(stream):
        if in_headers:
            out.append(line)
            header_lines.append(line)
            header_bytes += len(line)
            if line in (b"\n", b"\r\n") or header_bytes > _MAX_HEADER_BLOCK:
                ctype, marker, attachment = _part_kind(header_lines)
                header_lines, header_bytes, part_bytes = [], 0, 0
                in_headers = False
                if marker and ctype.startswith("multipart/"):
                    boundaries.append(marker)
                    keep = True  # the preamble is short and harmless
                elif ctype == "message/rfc822" and not attachment:
                    in_headers = True  # a forwarded message: its own headers follow
                else:
                    keep = not attachment and ctype.startswith("text/")
            continue
        if boundaries and line.startswith(b"--"):
            stripped = line.rstrip(b"\r\n \t")
            hit = next((i for i in range(len(boundaries) - 1, -1, -1)
                        if stripped in (boundaries[i], boundaries[i] + b"--")), None)
            if hit is not None:
                out.append(line)
                if stripped.endswith(b"--") and stripped == boundaries[hit] + b"--":
                    del boundaries[hit:]
                    keep, part_bytes = True, 0  # epilogue of the closed multipart
                else:
                    del boundaries[hit + 1:]
                    in_headers = True
                continue
        if keep and part_bytes < max_text_bytes:
            out.append(line)
            part_bytes += len(line)
        else:
            skipped += len(line)
    return b"".join(out), skipped


# -- text helpers ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SINGLE_BYTE = re.compile(r"^(us-ascii|ascii|iso-8859-\d+|latin-?1|l1|cp125\d|windows-125\d|iso8859-\d+)$")


def clean(text: str) -> str:
    """Text safe to store: undecodable bytes (surrogate escapes) become U+FFFD, control characters go."""
    if _SURROGATE.search(text):
        try:  # raw 8-bit bytes in a header: decode them like an undeclared body
            text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
        except UnicodeEncodeError:
            pass
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Decode a text part whatever its declared charset says (or fails to say)."""
    charset = (declared or "").strip().strip("\"'").lower()
    if charset in ("", "unknown-8bit", "x-unknown", "default", "us-ascii", "ascii") or _SINGLE_BYTE.match(charset):
        # undeclared or single-byte: valid UTF-8 is almost surely UTF-8 (a latin-1 text rarely is valid UTF-8)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def _decode_raw_header(value: str) -> str:
    """An RFC 2047 header value decoded (a broken encoded word leaves the raw text)."""
    if "=?" not in value:  # no encoded word: decode_header would hand it back as it is
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


Heads = dict[str, list[str]]  # a message's raw header values by lower-case name


def _heads(msg: StdMessage) -> Heads:
    """The raw values of every header, read once (no header objects are built)."""
    heads: Heads = {}
    for k, v in msg.raw_items():
        heads.setdefault(k.lower(), []).append(str(v))
    return heads


def _raw_header(heads: Heads, name: str) -> list[str]:
    return heads.get(name.lower(), [])


def _header(heads: Heads, name: str) -> str:
    """A header's first value, RFC 2047 decoded, unfolded, safe to store."""
    values = _raw_header(heads, name)
    if not values:
        return ""
    return clean(" ".join(_decode_raw_header(values[0]).split()))


_LOCAL = r"[A-Za-z0-9%+_'-]+(?:\.[A-Za-z0-9%+_'-]+)*"
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_SIMPLE_ADDR = re.compile(
    rf"\s*(?:(?P<name>[A-Za-z0-9 '_-]*?)\s*<(?P<a1>{_LOCAL}@{_DOMAIN})>|(?P<a2>{_LOCAL}@{_DOMAIN}))\s*"
)


def _simple_addresses(raws: list[str]) -> list[tuple[str, str]] | None:
    """getaddresses() for the common plain forms (`Name <a@b.c>`, `a@b.c`, comma-separated) without
    its tokenizer; None when any part needs the real parser (quotes, comments, encoded words, groups)."""
    pairs = []
    for raw in raws:
        for item in raw.split(","):
            m = _SIMPLE_ADDR.fullmatch(item)
            if m is None:
                return None
            pairs.append((" ".join((m["name"] or "").split()), m["a1"] or m["a2"]))
    return pairs


def _addresses(heads: Heads, *names: str) -> tuple[Address, ...]:
    found: list[Address] = []
    for name in names:
        raws = _raw_header(heads, name)
        if not raws:
            continue
        try:
            pairs = _simple_addresses(raws)
            if pairs is None:
                pairs = getaddresses(raws)
        except Exception:  # a header the address parser chokes on: take what looks like an address
            pairs = [("", a) for a in re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", " ".join(raws))]
        for display, email in pairs:
            email = email.strip()
            if "@" in email and " " not in email:
                found.append(Address(clean(email).lower(), clean(" ".join(_decode_raw_header(display).split()))))
    seen: set[str] = set()
    unique = []
    for a in found:
        if a.email not in seen:
            seen.add(a.email)
            unique.append(a)
    return tuple(unique)


_MSGID = re.compile(r"<([^<>\s]+)>")


def _ids(value: str) -> list[str]:
    found = _MSGID.findall(value)
    if not found and value.strip():
        found = [t.strip("<>") for t in value.split() if "@" in t]
    return [clean(i) for i in found]


def _plausible(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # "-0000": time zone unknown, RFC 5322 says read it as UTC
        moment = moment.replace(tzinfo=UTC)
    if not 1980 <= moment.year <= 2100:
        return None
    return moment


def _date(heads: Heads, raw: RawMessage, now: datetime | None) -> datetime:
    for value in _raw_header(heads, "Date"):
        try:
            moment = _plausible(parsedate_to_datetime(value.strip()))
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = None
        if moment:
            return moment
    for value in _raw_header(heads, "Received"):  # the newest hop's stamp is after the last ';'
        if ";" in value:
            try:
                moment = _plausible(parsedate_to_datetime(value.rsplit(";", 1)[1].strip()))
            except (TypeError, ValueError, IndexError, OverflowError):
                moment = None
            if moment:
                return moment
    if raw.received_at is not None:
        return raw.received_at
    if now is not None:
        return now
    raise MailParseError(f"{raw.source_id}: no Date, Received header or arrival time")


# -- body -------------------------------------------------------------------------------------------

_QUOTE_SELECTORS = (
    "//blockquote",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' gmail_quote ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' moz-cite-prefix ')]",
    "//*[@id='divRplyFwdMsg']",
    "//*[@id='appendonsend']",
    "//style", "//script", "//head",
)


def html_to_text(html: str) -> str:
    """HTML to readable text with inscriptis, quoted history removed first."""
    import lxml.html
    from inscriptis import Inscriptis

    html = html.strip()
    if not html:
        return ""
    try:
        tree = lxml.html.fromstring(html)
    except Exception:  # lxml refuses some fragments (e.g. only a comment): strip tags crudely
        return re.sub(r"<[^>]*>", " ", html)
    for selector in _QUOTE_SELECTORS:
        for el in tree.xpath(selector):
            if el.getparent() is not None:
                # Outlook's reply header div: everything after it is the quoted message
                if el.get("id") in ("divRplyFwdMsg", "appendonsend"):
                    for sib in list(el.itersiblings()):
                        sib.getparent().remove(sib)
                el.getparent().remove(el)
    try:
        return str(Inscriptis(tree).get_text())
    except Exception:
        return " ".join(tree.itertext())


def _part_text(part: StdMessage, subtype: str) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    if len(payload) > MAX_TEXT_BYTES:
        payload = payload[:MAX_TEXT_BYTES]
    text = decode_bytes(payload, part.get_content_charset())
    if subtype == "html":
        text = html_to_text(text)
    return text


def _is_attachment(part: StdMessage) -> bool:
    try:
        return isinstance(part, EmailMessage) and part.is_attachment()
    except Exception:
        return False


def _parts(part: StdMessage) -> list[StdMessage]:
    children = part.iter_parts() if isinstance(part, EmailMessage) else ()
    return [c for c in children if isinstance(c, StdMessage)]


def body_text(msg: StdMessage) -> str:
    """The message's own text: text/plain preferred over text/html in alternatives; attachments and
    forwarded message/rfc822 parts skipped."""

    def walk(part: StdMessage, ctype: str) -> list[str]:
        if ctype == "message/rfc822" or _is_attachment(part):
            return []
        if part.is_multipart():
            children = [(c, c.get_content_type()) for c in _parts(part)]
            if ctype == "multipart/alternative":
                texts = [(c, t) for c, t in children if t == "text/plain"]
                if not texts:
                    texts = [(c, t) for c, t in children if t.startswith(("text/", "multipart/"))][-1:]
                return [text for c, t in texts[:1] for text in walk(c, t)]
            return [text for c, t in children for text in walk(c, t)]
        maintype, _, subtype = ctype.partition("/")
        if maintype == "text" and subtype in ("plain", "html", "enriched", ""):
            return [_part_text(part, subtype)]
        return []

    try:
        texts = walk(msg, msg.get_content_type())
    except Exception:  # a structure `email` cannot walk: take the raw payload as text
        payload = msg.get_payload(decode=True)
        texts = [decode_bytes(payload, None)] if isinstance(payload, bytes) else []
    text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    text = clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text[:MAX_BODY_CHARS]


# -- auto-replies -----------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[?auto(?:matic|matische)?[\s-]*(?:reply|response|antwort|respuesta)\]?|auto[\s-]?reply|autoreply"
    r"|out of (?:the )?office|ooo\b|abwesenheit\w*|r[ée]ponse automatique|respuesta autom[áa]tica|"
    r"risposta automatica|absence)",
    re.IGNORECASE,
)
_OOO_WORDING = re.compile(
    r"\b(?:(?:I am|I'm|I will be|I'll be)\s+(?:currently\s+)?(?:out of (?:the )?office|away from (?:the|my) "
    r"(?:office|desk)|on (?:annual |parental |maternity |paternity |sick )?(?:leave|vacation|holiday)|"
    r"travel(?:l)?ing|away)"
    r"|out of (?:the )?office (?:until|through|till|from)"
    r"|with (?:limited|no) access to (?:e-?mail|my (?:e-?mail|inbox))"
    r"|this is an (?:automatic|automated|auto-generated) (?:reply|response|message))",
    re.IGNORECASE,
)
_AUTO_CONFIRM = re.compile(
    r"\b(?:thank you for your (?:e-?mail|message|note)|thanks for your (?:e-?mail|message)|"
    r"(?:automatic|automated|auto-generated) (?:reply|response|message)|limited access to|"
    r"(?:respond|reply|get back to you|answer)[^.]{0,40}(?:upon|on|when I|after) (?:my )?return|"
    r"for (?:anything )?urgent|in my absence|please contact)",
    re.IGNORECASE,
)
_RETURN_DATE = re.compile(
    r"\b(?P<kind>until|till|through|thru|returning(?: on)?|return(?:ing)? to the office on|back (?:in the "
    r"office |at my desk )?(?:on)?|be back)\s+(?:on\s+)?(?P<date>[^.;\n]{3,60})",
    re.IGNORECASE,
)


def is_auto_reply(heads: Heads, subject: str, text: str) -> bool:
    auto = _header(heads, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return True
    if _header(heads, "X-Autoreply") or _header(heads, "X-Autorespond") or _header(heads, "X-Autoresponse"):
        return True
    if _header(heads, "Precedence").lower() in ("auto_reply", "bulk", "junk", "auto-reply"):
        return True
    if _header(heads, "X-Auto-Response-Suppress") and _header(heads, "X-MS-Exchange-Inbox-Rules-Loop"):
        return True
    if _AUTO_SUBJECT.match(subject):
        return True
    head = text[:1500]
    return bool(_OOO_WORDING.search(head) and _AUTO_CONFIRM.search(head))


def return_date(text: str, sent_at: datetime, tz: str) -> datetime | None:
    """The day an out-of-office says its author is back, as the start of that day in `tz`."""
    from dateutil import parser as dateparser

    zone = ZoneInfo(tz)
    local = sent_at.astimezone(zone)
    base = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for m in _RETURN_DATE.finditer(text[:2000]):
        phrase = re.split(r"\b(?:with|and|at|for|but|when|where|I\b|please)\b|,\s*(?=[a-z])", m["date"])[0]
        phrase = phrase.strip(" ,")
        if not re.search(r"\d|monday|tuesday|wednesday|thursday|friday|saturday|sunday|jan|feb|mar|apr|may|jun|"
                         r"jul|aug|sep|oct|nov|dec", phrase, re.IGNORECASE):
            continue
        try:
            day = dateparser.parse(phrase, default=base, fuzzy=True)
        except (ValueError, OverflowError):
            continue
        if day.date() < base.date():
            if re.search(r"\b\d{4}\b", phrase):
                continue
            try:
                day = day.replace(year=day.year + 1)
            except ValueError:
                continue
        if day.date() == base.date() and not re.search(r"\d", phrase):
            day += timedelta(days=7)  # "until Monday" written on a Monday means next Monday
        if m["kind"].lower() in ("through", "thru"):
            day += timedelta(days=1)
        if (day - base).days > 120:
            continue
        return day.replace(hour=0, minute=0, tzinfo=zone)
    return None


# -- the message ------------------------------------------------------------------------------------


def direction_of(sender: Address, rep: RepConfig, hint: Direction | None) -> Direction:
    if hint == "note":
        return "note"
    if sender.email and sender.email in rep.addresses:
        return "sent"
    return hint or "received"


def message_identity(message_id: str, sender: Address, sent_at: datetime, subject: str, text: str) -> str:
    """A message's id: its Message-ID AND its content (sender, date, subject, text).

    The same message read twice (delivered twice, in two folders, re-offered after a crash) gets the
    same id, even when transport headers differ; two different messages that share a Message-ID (a
    re-delivery with new content, or anyone who can mail the rep) get two ids and are both kept."""
    head = (message_id,) if message_id else ()
    return content_id(*head, sender.email, sent_at.isoformat(), subject, text, prefix="m")


def parse(raw: RawMessage, rep: RepConfig, *, now: datetime | None = None) -> Message:
    """Parse one raw message; `thread_id` is left empty for the store to resolve."""
    data = raw.raw
    if not data or not data.strip():
        raise MailParseError(f"{raw.source_id}: empty message")
    if len(data) > SLIM_THRESHOLD:
        data, _ = slim(io.BytesIO(data))
    msg: StdMessage
    try:
        msg = _PARSER.parsebytes(data)
    except Exception:  # policy.default's header value parser has bugs compat32 does not reach
        try:
            msg = _FALLBACK_PARSER.parsebytes(data)
        except Exception as e:  # almost never: the message is kept for a later retry
            raise MailParseError(f"{raw.source_id}: cannot parse ({type(e).__name__}: {e})") from e
    if not msg.keys():
        raise MailParseError(f"{raw.source_id}: no headers (not an email message)")
    heads = _heads(msg)
    senders = _addresses(heads, "From") or _addresses(heads, "Sender", "Return-Path")
    recipients = _addresses(heads, "To", "Cc")
    subject = _header(heads, "Subject")[:500]
    message_id = next(iter(_ids(_header(heads, "Message-ID"))), "")
    in_reply_to = next(iter(_ids(_header(heads, "In-Reply-To"))), "")
    references = tuple(_ids(_header(heads, "References")))[-50:]
    if not (senders or recipients or message_id or _raw_header(heads, "Date") or subject):
        raise MailParseError(f"{raw.source_id}: no From, To, Message-ID, Date or Subject header")
    sent_at = _date(heads, raw, now)
    text = body_text(msg)
    sender = senders[0] if senders else Address("")
    direction = direction_of(sender, rep, raw.direction_hint)
    auto = direction == "received" and is_auto_reply(heads, subject, text)
    until = return_date(text, sent_at, rep.timezone) if auto else None
    return Message(
        id=message_identity(message_id, sender, sent_at, subject, text), account=raw.account,
        source_id=raw.source_id, message_id=message_id, thread_id="",
        direction=direction, sender=sender, recipients=recipients, subject=subject, sent_at=sent_at,
        body=text, in_reply_to=in_reply_to, references=references,
        provider_thread_id=raw.provider_thread_id, is_auto_reply=auto, auto_reply_until=until,
        timezone=rep.timezone,
    )
