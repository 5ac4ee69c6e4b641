"""The author's own words of an email body: quoted replies, forwarded blocks, signatures and disclaimers
removed. Promises in quoted history belong to someone else (or were already counted), and a signature's
"Available Mon-Thu 8am-6pm" is no promise, so the extractor and the watcher read only this text.

Line-based and regex-only (no model): the patterns below cover Gmail/Apple "On ... wrote:", Outlook
"From:/Sent:" header blocks and "-----Original Message-----", Lotus Notes "Name on 11/22/2000 09:06 AM"
attributions, forwarded-message banners, `>` quoting, "-- " signature separators, sign-off blocks
("Best,\\nSam\\nAcme | 555-0100") and legal disclaimers. bench/quotes_compare.py measures it against
quotequail, mail-parser-reply and email-reply-parser.
"""

from __future__ import annotations

import re

__all__ = ["strip_quotes", "quote_start", "own_text_end", "own_text_mask"]

_LINE_LIMIT = 400  # longer lines are body text, never headers; keeps every regex below cheap

# A line that starts quoted history by itself.
_HISTORY_LINE = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\s+Message|Forwarded\s+(?:message|by\b.*)|Reply\s+message)\s*-{0,}.*
      | _{10,}\s*
      | Begin\s+forwarded\s+message\s*:?
      | Forwarded\s+message\s*:?
      | \*{0,2}From:\*{0,2}\s.+\[mailto:.+
      | (?:Le|Am|El|Op|Il)\s.{5,200}(?:a\s+écrit|schrieb|escribió|schreef|ha\s+scritto)\b.{0,120}:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "On <date>, <name> wrote:" (Gmail, Apple Mail, Thunderbird), possibly wrapped over up to three lines.
_ON_WROTE = re.compile(r"^\s*(?:>\s*)?On\s.{4,300}?\swrote\s*:\s*$", re.IGNORECASE | re.DOTALL)
_WROTE_END = re.compile(r"\bwrote\s*:\s*$", re.IGNORECASE)
# "Kim Lee <kim@x.com> wrote:" / "kim@x.com wrote:" alone on a line
_NAME_WROTE = re.compile(r"^\s*\S.{0,120}(?:@|>).{0,80}\swrote\s*:\s*$", re.IGNORECASE)
# Outlook/Exchange header block: From: then Sent:/Date: and To:/Subject: within a few lines.
_HEADER_FROM = re.compile(r"^\s*\*{0,2}(?:From|De|Von|Van)\s*:\*{0,2}\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*{0,2}(?:Sent|Date|To|Cc|Subject|Envoyé|Gesendet|Betreff|Objet|Enviado)\s*:", re.IGNORECASE
)
# Lotus Notes: "Jane Doe@ECT on 11/22/2000 09:06 AM" or "From: Jane Doe 11/22/2000 09:06 AM" or a name line
# followed by a date line "11/22/2000 09:06 AM" and then "To:".
_LOTUS_ON = re.compile(
    r"^\s*(?:From:\s*)?\S.{0,120}?\s(?:on\s+)?\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*$",
    re.IGNORECASE,
)
_LOTUS_DATE_ONLY = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?\s*$", re.I)
_QUOTED = re.compile(r"^\s*>")

# Signatures and sign-offs.
_SIG_DASHES = re.compile(r"^(?:--|—|-- |__)\s*$")
_DEVICE_SIG = re.compile(
    r"^\s*(?:Sent\s+from\s+my\s.{2,40}|Sent\s+from\s+(?:Outlook|Mail|Yahoo\s+Mail|Gmail).{0,40}|"
    r"Get\s+Outlook\s+for\s+\w+.{0,20}|Sent\s+via\s.{2,40})\s*$",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest|many|with)?\s*(?:regards|wishes|thanks|thank\s+you|rgds|brgds)"
    r"|best|cheers|thanks(?:\s+(?:again|so\s+much|a\s+lot|in\s+advance))?|thank\s+you(?:\s+again)?|ta|thx|tks"
    r"|sincerely|yours\s+(?:sincerely|truly|faithfully)|talk\s+soon|speak\s+soon|all\s+the\s+best"
    r"|take\s+care|br|kr|regds|warmly|respectfully|cordially)\s*[,.!]*\s*(?:-+\s*\w+)?\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^\s*(?:\**\s*(?:CONFIDENTIAL(?:ITY)?(?:\s+NOTICE)?|DISCLAIMER|PRIVILEGED\s+AND\s+CONFIDENTIAL|"
    r"NOTICE)\s*[:*-]|This\s+(?:e-?mail|message|communication|transmission)(?:\s+and\s+any\s+(?:files|attachments)"
    r".{0,40})?\s+(?:is|are|may\s+contain|contains|and\s+its\s+attachments|is\s+intended|"
    r"\(including\s+any\s+attachments\))|The\s+information\s+(?:contained\s+)?in\s+this\s+(?:e-?mail|message|"
    r"communication)|If\s+you\s+(?:are\s+not|have\s+received\s+this)\s+(?:the\s+intended|this\s+(?:e-?mail|message)"
    r"\s+in\s+error)|Please\s+consider\s+the\s+environment\s+before\s+printing|Any\s+views\s+or\s+opinions\s+"
    r"(?:presented|expressed))",
    re.IGNORECASE,
)
_CONTACT_LINE = re.compile(
    r"(?:\+?\d[\d\s().-]{6,}\d|\bwww\.|https?://|\S@\S+\.\w|\|\s|\b(?:tel|mob|mobile|cell|phone|fax|direct|office|"
    r"m|t|p|e|w)\s*[:.]\s*\S|\b(?:Inc|Ltd|LLC|GmbH|Corp|Pvt|plc)\b\.?|\bLinkedIn\b)",
    re.IGNORECASE,
)


def strip_quotes(text: str) -> str:
    """The author's own text: everything before the quoted history, without `>` lines, signature, sign-off
    block or disclaimer. Trailing whitespace is trimmed; an empty string is possible."""
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    end = _history_start(lines)
    own = [ln for ln in lines[:end] if not _QUOTED.match(ln)]
    own = own[: _signature_start(own)]
    return "\n".join(own).strip()


def quote_start(text: str) -> int | None:
    """Character offset where quoted/forwarded history begins (the line's start), or None."""
    lines = text.split("\n")
    end = _history_start(lines)
    if end >= len(lines):
        return None
    return sum(len(ln) + 1 for ln in lines[:end])


def own_text_end(text: str) -> int:
    """Character offset where the author's own text ends (history or signature starts)."""
    lines = text.split("\n")
    end = _history_start(lines)
    body = lines[:end]
    kept = _signature_start([ln if not _QUOTED.match(ln) else "" for ln in body])
    return min(len(text), sum(len(ln) + 1 for ln in lines[:kept]))


def own_text_mask(text: str) -> str:
    """`text` with everything that is not the author's own words blanked to spaces (newlines kept), so that
    offsets found in the result are offsets in the original text."""
    lines = text.split("\n")
    end = _history_start(lines)
    body = [ln if not _QUOTED.match(ln[:_LINE_LIMIT]) else "" for ln in lines[:end]]
    kept = _signature_start(body)
    out = []
    for i, ln in enumerate(lines):
        keep = i < kept and not _QUOTED.match(ln[:_LINE_LIMIT])
        out.append(ln if keep else " " * len(ln))
    return "\n".join(out)


def _history_start(lines: list[str]) -> int:
    """Index of the first line of quoted/forwarded history (len(lines) if none)."""
    n = len(lines)
    for i, raw in enumerate(lines):
        line = raw[:_LINE_LIMIT]
        stripped = line.strip()
        if not stripped:
            continue
        if _HISTORY_LINE.match(line):
            return i
        if "wrote" in line.lower() or "wrote" in " ".join(lines[i + 1 : i + 3]).lower():
            if stripped.lower().startswith(("on ", "> on ")):
                for k in range(3):
                    cand = " ".join(x.strip() for x in lines[i : i + k + 1])
                    if _WROTE_END.search(cand) and _ON_WROTE.match(cand):
                        return i
            elif _NAME_WROTE.match(line) and i + 1 < n and (not lines[i + 1].strip() or _QUOTED.match(lines[i + 1])):
                return i
        if ":" in line and _HEADER_FROM.match(line) and _header_block_follows(lines, i):
            return _back_over_separator(lines, i)
        has_date = "/" in line and ":" in line
        if has_date and _LOTUS_ON.match(line) and _lotus_block_follows(lines, i):
            return i
        if (
            has_date
            and _LOTUS_DATE_ONLY.match(line)
            and i > 0
            and lines[i - 1].strip()
            and len(lines[i - 1].strip()) < 80
            and _lotus_block_follows(lines, i)
        ):
            return i - 1
        if _QUOTED.match(line) and _rest_is_quoted(lines, i):
            return i
    return n


def _header_block_follows(lines: list[str], i: int) -> bool:
    """True when at least two of Sent/Date/To/Cc/Subject headers follow a From: line closely."""
    hits = 0
    for ln in lines[i + 1 : i + 8]:
        if _HEADER_OTHER.match(ln[:_LINE_LIMIT]):
            hits += 1
            if hits >= 2:
                return True
    return False


def _lotus_block_follows(lines: list[str], i: int) -> bool:
    for ln in lines[i + 1 : i + 9]:
        s = ln.strip()
        if re.match(r"^(?:To|cc|Subject|Please\s+respond\s+to)\s*:?", s, re.IGNORECASE):
            return True
    return False


def _rest_is_quoted(lines: list[str], i: int) -> bool:
    """A `>` block counts as trailing history when no unquoted text of the author's follows it."""
    for ln in lines[i:]:
        if ln.strip() and not _QUOTED.match(ln):
            return False
    return True


def _back_over_separator(lines: list[str], i: int) -> int:
    """Include an Outlook '____' rule or a 'FW:' line just above a From: header in the history."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and re.match(r"^\s*(?:_{5,}|-{5,})\s*$", lines[j]):
        return j
    return i


# First words that can open a device signature or a disclaimer: a set lookup spares the regexes on the
# ordinary lines of a body.
_DEVICE_WORDS = frozenset({"sent", "get"})
_DISCLAIMER_WORDS = frozenset({"confidential", "confidentiality", "disclaimer", "privileged", "notice", "this", "the",
                               "if", "please", "any"})


def _first_word(line: str) -> str:
    stripped = line.lstrip(" \t*")
    if not stripped:
        return ""
    if stripped[0] in "-—_":
        return stripped[:2]
    parts = stripped.split(None, 1)  # None also splits on control whitespace ("\x1f") that lstrip kept
    return parts[0].rstrip(":*-,").lower() if parts else ""


def _signature_start(lines: list[str]) -> int:
    """Index where the signature/sign-off/disclaimer begins in the author's own lines (len(lines) if none)."""
    n = len(lines)
    cut = n
    for i, raw in enumerate(lines):
        line = raw[:_LINE_LIMIT]
        first = _first_word(line)
        if not first:
            continue
        if (first[0] in "-—_" and _SIG_DASHES.match(line)) or (first in _DEVICE_WORDS and _DEVICE_SIG.match(line)):
            cut = i
            break
        if first in _DISCLAIMER_WORDS and _DISCLAIMER.match(line) and _tail_is_small(lines, i, 40, 2000):
            cut = i
            break
    # A sign-off ("Best,", "Thanks,") followed only by a short block of name/title/contact lines.
    for i in range(max(0, cut - 12), cut):
        line = lines[i][:_LINE_LIMIT]
        if _VALEDICTION.match(line) and _tail_is_signature(lines[i + 1 : cut]):
            return i
    # A lone name after a blank line closes the message ("...by Friday.\n\nDana").
    last = [j for j in range(cut) if lines[j].strip()]
    if len(last) >= 2 and _is_name_line(lines[last[-1]]) and len(lines[last[-1]].split()) <= 2 \
            and last[-1] - last[-2] >= 2:
        return last[-1]
    # A bare name line followed by contact lines ("Sam Rivera\nAcme | 555-0100").
    for i in range(max(0, cut - 8), cut):
        tail = [x for x in lines[i:cut] if x.strip()]
        if len(tail) >= 2 and _is_name_line(tail[0]) and all(_CONTACT_LINE.search(x) or len(x.strip()) <= 40
                                                              for x in tail[1:]) and any(
                _CONTACT_LINE.search(x) for x in tail[1:]) and i > 0:
            return i
    return cut


def _tail_is_small(lines: list[str], i: int, max_lines: int, max_len: int) -> bool:
    rest = [x for x in lines[i:] if x.strip()]
    return len(rest) <= max_lines and sum(len(x) for x in rest) <= max_len


def _tail_is_signature(tail: list[str]) -> bool:
    """Lines after a sign-off look like a signature: few, short, no sentence that reads like prose."""
    content = [x.strip() for x in tail if x.strip()]
    if len(content) > 8:
        return False
    for x in content:
        if len(x) > 70 and not _CONTACT_LINE.search(x):
            return False
        if re.search(r"\b(?:I|I'll|I'm|we'll|will|you)\b.*[.?!]$", x) and not _CONTACT_LINE.search(x):
            return False
    return True


_NAME_LINE = re.compile(r"^\s*[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}\s*$")


def _is_name_line(line: str) -> bool:
    return bool(_NAME_LINE.match(line)) and len(line.strip()) <= 40
