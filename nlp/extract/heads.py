"""Promise heads: where a sentence states that someone will do something (the cue rules)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nlp.extract.actions import _noun_action, _verb_ok
from nlp.extract.lexicon import (
    _AP,
    _ARRIVE,
    _BARE,
    _BARE_BLOCK,
    _BARE_START,
    _BARE_VERBS,
    _BULLET,
    _BULLET_VERBS,
    _COORD,
    _DAY_WORDS,
    _DELIVERED,
    _DIGIT,
    _FILLER_WILL,
    _G_ARRIVE,
    _G_BARE,
    _G_COORD,
    _G_FUTURE,
    _G_HEAD,
    _G_IMPLICIT,
    _G_PROGRESSIVE,
    _G_PROMISED,
    _G_READER,
    _G_REPORTED,
    _G_TIMEWORDS,
    _G_YOU,
    _G_YOU_MODAL,
    _HABITUAL,
    _ILL,
    _IMPLICIT,
    _IMPLICIT_BEFORE,
    _LABEL_PERSONS,
    _LET_ME,
    _MODAL,
    _NOT_NAMES,
    _NOT_NAMES_LOWER,
    _NOTE_IMPERATIVE,
    _NOTE_NEED,
    _NOTE_TO,
    _NOTE_TO_STOP,
    _OUR_DEPARTMENTS,
    _PROGRESSIVE,
    _PROMISED_NP,
    _PROMISED_TO,
    _READER,
    _REPORTED,
    _SUBJ_BEFORE,
    _TEAM_HEAD,
    _TO_BULLET,
    _WORD,
    _WRITER_HEADER,
)
from nlp.extract.model import _Ctx, _Head, _Unit


def _modal_heads(s: str) -> Iterator[tuple[int, int, str, str, bool]]:
    """(subject start, modal end, subject, modal text, negated) for each subject + future modal."""
    for m in _MODAL.finditer(s):
        a = m.start()
        sm = _SUBJ_BEFORE.search(s, max(0, a - 16), a)
        if sm is None:
            continue
        subj = sm.group("subj")
        if subj.lower() == "who" and not s[:sm.start()].endswith(", "):
            continue
        if m.group(0).endswith("to") and (subj.lower() not in ("i", "we", "you", "he", "she", "they")
                                          or re.match(r"\s+(?:blame|be\s+\w+ed)\b", s[m.end():])):
            continue  # "I'm to send" is a plan; "the GTC's to you" and "I'm to blame" are not
        yield sm.start(), m.end(), subj, s[a:m.end()].strip().lower(), bool(m.group("neg"))


def _find_heads(s: str, unit: _Unit, ctx: _Ctx) -> list[_Head]:
    heads: list[_Head] = []
    taken: list[tuple[int, int]] = []
    words = frozenset(_WORD.findall(s.lower()))
    bulletish = bool(unit.header or unit.bullet)

    def add(h: _Head, end: int) -> None:
        for a, b in taken:
            if a <= h.start < b or a < end <= b:
                return
        taken.append((h.start, end))
        heads.append(h)

    for m in _REPORTED.finditer(s) if words & _G_REPORTED else ():
        subj = m.group("subj").lower()
        side = _subject_side(subj, s, m.end(), ctx, reported=True)
        add(_Head(m.start("subj"), m.end(), side, "reported"), m.end())
    for m in _PROMISED_TO.finditer(s) if words & _G_PROMISED else ():
        subj = m.group("subj").lower()
        add(_Head(m.start(), m.end(), _subject_side(subj, s, m.end(), ctx, reported=True), "reported"), m.end())
    for m in _READER.finditer(s) if (words & _G_READER) or ((words & _G_YOU) and (words & _G_YOU_MODAL)) else ():
        lead = m.group("lead").lower()
        rest = s[m.end():m.end() + 120]
        if lead.startswith(("you", "u ")) or lead.startswith("u"):
            if re.match(r"^\s+(?:hear|expect)\b", rest, re.I) is None and re.match(
                    r"^(?:.{0,60}?)\b(?:to|from)\s+(?:us|me)\b", rest, re.I) and not re.search(
                    r"\bfrom\s+(?:me|us)\b", rest[:60], re.I):
                continue  # "you'll get the user list to us" is their promise: a modal head covers it
            if re.match(r"^\s+to\b|^\s+(?:it|them|this|that|everything|the\s+\w+(?:\s+\w+)?)\s+(?:signed|countersigned|"
                        r"done|approved|reviewed|sorted|finali[sz]ed|executed|completed|returned|back\s+to\s+(?:us|me)|"
                        r"over\s+to\s+(?:us|me))\b", rest, re.I):
                continue  # "you'll get it signed by Wednesday": a modal head reads it as their promise
            if "hear" in lead or re.match(r"^\s*(?:back\s+)?from\s+(?:me|us|my|our)\b", rest, re.I):
                noun = "email"
            else:
                noun = _noun_action(rest[:60])
        else:
            if re.match(r"^\s+(?:that|to\s+(?!hear)|you\b|it\s+to\s+(?:be|take)|delays?|some|the\s+(?:price|cost|"
                        r"market|rates?|team\s+to))", rest, re.I):
                continue
            if m.start() > 0 and re.search(r"\b(?:i|we|they|you|he|she|don" + _AP + r"?t|not|would|to)\s*$",
                                           s[:m.start()], re.I):
                continue  # "I expect ...", "we don't expect" - not the imperative
            noun = _noun_action(rest[:60])
        add(_Head(m.start(), m.end(), "writer", "reader", noun), m.end())
    for h_start, h_end, subj, modal, negated in _modal_heads(s) if words & _G_HEAD else ():
        low = subj.lower()
        if negated:
            continue
        if re.match(r"^(?:" + _AP + r"d|would)", modal):
            continue  # "I'd be happy to", "we would" - hypothetical unless reported (handled above)
        if low not in {"i", "we", "you", "u", "he", "she", "they", "who"}:
            if subj in _NOT_NAMES or not subj[0].isupper():
                continue
        side = _subject_side(low, s, h_end, ctx, reported=False)
        add(_Head(h_start, h_end, side, "modal"), h_end)
    arrive_cue = bool(words & _G_ARRIVE) or ("out" in words and "go" in words) or ("sent" in words and "be" in words)
    for m in _ARRIVE.finditer(s) if arrive_cue and (words & _G_YOU_MODAL) else ():
        subj = (m.group("subj") or "it").lower()
        if subj in {"you", "i", "we", "he", "she"}:
            continue
        add(_Head(m.start(), m.start(), "writer", "arrive", "send"), m.end())
    for m in _TEAM_HEAD.finditer(s) if words & _G_FUTURE else ():
        poss = (m.group("poss") or m.group("poss2") or "our").lower()
        if poss in ("your",):
            side = "reader"
        elif poss in ("their", "his", "her"):
            side = "third_theirs"
        else:
            side = "third_ours" if ctx.direction != "note" else "third_theirs"
        add(_Head(m.start(), m.end(), side, "modal"), m.end())
    for m in _ILL.finditer(s) if 'ill' in words or 'il' in words else ():
        add(_Head(m.start(), m.end(), "writer", "modal"), m.end())
    for m in _PROMISED_NP.finditer(s) if words & _G_PROMISED else ():
        add(_Head(m.start(), m.end(), "writer", "promised_np", "send"), m.end())
    if ctx.direction == "note" and " to " in s:
        for m in _NOTE_TO.finditer(s):
            subj = m.group("subj").lower()
            rest = s[m.end():]
            if m.group("passive"):
                owner = re.search(r"\((me|i|us|we)\)", rest[:80], re.I)
                if owner:
                    add(_Head(m.start(), m.start("passive"), "writer", "passive_todo"), m.end())
                continue
            if subj in _NOTE_TO_STOP or subj.endswith("ed") or not rest[:1].islower() or not _verb_ok(rest):
                continue  # "Spoke to Jonah", "Talked to legal"
            side = "writer" if subj in ("me", "i", "we", "us") else "other_side_writer"
            add(_Head(m.start(), m.end(), side, "note_todo"), m.end())
    if ctx.direction == "note":
        for m in _NOTE_NEED.finditer(s):
            if not re.search(r"\b(?:if|in\s+case|when|whether|unless|once)\s*$", s[max(0, m.start() - 9):m.start()], re.I):
                add(_Head(m.start(), m.end(), "writer", "note_todo"), m.end())
        if not bulletish:
            for h in _label_heads(s, ctx, persons_only=False):
                add(h, h.verb)
        m2 = _NOTE_IMPERATIVE.match(s)
        if m2:
            add(_Head(m2.end(), m2.end(), "writer", "note_todo"), m2.end() + 1)
    for m in _LET_ME.finditer(s):
        if not any(h.start > m.start() for h in heads):  # "let me check with legal and I'll ..." is a preamble
            add(_Head(m.start(), m.end(), "writer", "letme"), m.end())
    for m in _IMPLICIT.finditer(s) if words & _G_IMPLICIT else ():
        if not _IMPLICIT_BEFORE.search(s, max(0, m.start() - 6), m.start()):
            continue
        side = "writer"
        if ctx.direction == "note" and _note_speaker_other(s[:m.start()], unit):
            side = "other_side_writer"
        elif ctx.direction == "received":
            side = "writer"
        if s[m.end():].strip()[:1] == "?":
            continue
        coord = bool(re.search(r"(?:\band|\bthen|,)\s*$", s[:m.start()], re.I)) and bool(heads)
        add(_Head(m.start(), m.end(), side, "implicit", coord=coord), m.end())
    for m in _FILLER_WILL.finditer(s) if words & _G_FUTURE else ():
        side = "other_side_writer" if ctx.direction == "note" and _note_speaker_other(s[:m.end()], unit) \
            else "writer"
        mod = re.match(r"\w+", s[m.end():])
        add(_Head(m.end(), m.end() + (mod.end() if mod else 0), side, "implicit"), m.end() + 4)
    for m in _PROGRESSIVE.finditer(s) if words & _G_PROGRESSIVE else ():
        if re.search(r"\b(?:now|herewith|attached|below|enclosed|right\s+away|as\s+we\s+speak)\b", s, re.I):
            continue
        subj = (m.group("subj") or "").lower()
        side = "writer" if subj in ("", "i", "we") else "third_theirs"
        if side == "third_theirs" and not re.match(r"(?:sending|emailing|calling|ringing|phoning|shipping|delivering|"
                                                   r"forwarding|sharing|getting\s+back)\b", s[m.end():], re.I):
            continue  # "he is meeting his board next month" is news about him, not a promise to us
        if not subj and ctx.direction == "note" and _note_speaker_other(s[:m.start()], unit):
            side = "other_side_writer"
        add(_Head(m.start(), m.end(), side, "progressive"), m.end() + 1)
    if ctx.direction != "received" and words & _G_BARE and words & _BARE_VERBS \
            and (words & _G_TIMEWORDS or _DIGIT.search(s)):
        for m in _BARE.finditer(s):
            a = m.start()
            if not _BARE_START.search(s[max(0, a - 8):a] if a > 8 else s[:a]) \
                    or _BARE_BLOCK.search(s, max(0, a - 12), a) or _HABITUAL.search(s):
                continue
            subj = m.group("subj").lower()
            add(_Head(m.start(), m.end(), "writer" if subj in ("i", "we") else "reader", "bare"), m.end() + 1)
    bullet_heads = _bullet_heads(s, unit, ctx) if bulletish else []
    for h in bullet_heads:
        add(h, h.verb)
    heads.sort(key=lambda h: h.start)
    # Coordinated verbs with the same subject: "I'll send the deck Monday and call you Tuesday".
    extra: list[_Head] = []
    for i, h in enumerate(heads if words & _G_COORD or "&" in s or "," in s else ()):
        nxt = heads[i + 1].start if i + 1 < len(heads) else len(s)
        for m in _COORD.finditer(s, h.verb, nxt):
            if m.start() <= h.verb + 2:
                continue
            extra.append(_Head(m.start(), m.end(), h.side, h.kind, h.noun_action, coord=True))
    if extra:
        heads = sorted(heads + extra, key=lambda h: h.start)
    return heads


def _subject_side(subj: str, s: str, after: int, ctx: _Ctx, *, reported: bool) -> str:
    if subj in {"i", "we"}:
        return "writer"
    if subj in {"you", "u"}:
        return "reader"
    if ctx.direction == "sent" and subj[:1].isalpha() and subj.capitalize() in ctx.ours:
        return "third_ours"
    obj = s[after:after + 80]
    if re.search(r"\b(?:you|your|u)\b", obj, re.I) and ctx.direction != "note":
        return "third_ours"  # "Raj will send you the spec" - a colleague of the writer
    if subj in _OUR_DEPARTMENTS:
        return "third_ours"
    before = s[max(0, after - 120):after].lower()
    ours = [m.start() for m in re.finditer(r"\b(?:my|our)\b", before)]
    yours = [m.start() for m in re.finditer(r"\b(?:your|their)\b", before)]
    if ours and (not yours or ours[-1] > yours[-1]) and ctx.direction != "note":
        return "third_ours"  # "Chris from our implementation team, who will reach out"
    return "third_theirs"


def _note_speaker_other(prefix: str, unit: _Unit) -> bool:
    """In a voicemail/call note, an implicit subject belongs to whoever the note reports ("VM from Pat: will
    send ..."), unless the note is about the rep's own action ("left VM, said I'd ...")."""
    p = prefix.lower()
    if re.search(r"\b(?:vm|voicemail|voice\s*mail|message|msg|call|email|text)\s+from\b|\b(?:he|she|they|"
                 r"[a-z]+)\s+(?:said|says|called|rang|mentioned|confirmed)\b|^\W*[a-z]+\s*\([^)]*\)\s*:", p):
        return not re.search(r"\b(?:i|we)\s+(?:said|told|promised)\b|\bleft\s+(?:a\s+)?(?:vm|voicemail|msg|"
                             r"message)\b", p)
    return False


def _label_heads(s: str, ctx: _Ctx, *, persons_only: bool) -> list[_Head]:
    """A call note's 'Me: ...', 'Her: ...', 'Siobhan: reviewing tmrw' - the label names who owes the step."""
    m = _TO_BULLET.match(s)
    if m is None or not re.match(r"[^:]{1,40}:\s", s[m.start("subj"):]):
        return []
    subj = m.group("subj").strip().lower()
    if subj in _NOT_NAMES_LOWER:
        return []
    rest = m.group("rest")
    side = "writer" if subj in {"me", "i", "we", "us"} else "other_side_writer"
    first = rest.split(" ", 1)[0].lower().rstrip(",.;")
    action_word = first in _BULLET_VERBS or (first.endswith("ing") and (first[:-3] in _BULLET_VERBS
                                                                       or first[:-3] + "e" in _BULLET_VERBS))
    if action_word and _verb_ok(rest) and rest[:1].islower() and (not persons_only or subj in _LABEL_PERSONS):
        return [_Head(m.start("subj"), m.start("rest"), side, "bullet")]  # not "Dan: legal stuck"
    if subj in _LABEL_PERSONS and _DAY_WORDS.search(rest) and not rest.rstrip().endswith("?"):
        return [_Head(m.start("subj"), m.start("rest"), side, "np_bullet",
                      _noun_action(rest[:60]) if side == "writer" else "other")]
    return []


def _bullet_heads(s: str, unit: _Unit, ctx: _Ctx) -> list[_Head]:
    """'Acme to confirm headcount by 12/3', 'Me: send pricing Fri', and bare verbs under 'Next steps:'."""
    if not (unit.bullet or unit.header):
        return []
    m = _TO_BULLET.match(s)
    if m:
        subj = m.group("subj").strip().lower()
        if subj in _NOT_NAMES_LOWER:
            return []
        rest = m.group("rest")
        if subj in {"me", "i", "we", "us"} or subj.startswith(("my ", "our ")) or (
                ctx.direction == "sent" and subj.split()[0].capitalize() in ctx.ours):
            side = "writer"
        elif subj in {"you", "u"} or subj.startswith("your "):
            side = "reader"
        else:
            side = "third_theirs"
        if not _verb_ok(rest):
            # "Me: SOW Monday", "AI: me - quote by Fri": a deliverable and a day under a person's label
            if subj in _LABEL_PERSONS and _DAY_WORDS.search(rest) and not rest.rstrip().endswith("?"):
                return [_Head(m.start("subj"), m.start("rest"), side, "np_bullet",
                              _noun_action(rest[:60]) if side == "writer" else "other")]
            return []
        return [_Head(m.start("subj"), m.start("rest"), side, "bullet")]
    if not unit.header:
        return []
    body = _BULLET.sub("", s, count=1)
    off = len(s) - len(body)
    first = body.strip().split(" ", 1)[0].lower() if body.strip() else ""
    is_verb = first in _BULLET_VERBS and _verb_ok(body.strip())
    if first and not is_verb and _WRITER_HEADER.search(unit.header) and not _DELIVERED.search(s) \
            and not s.rstrip().endswith("?"):
        lead = len(body) - len(body.lstrip())
        return [_Head(off + lead, off + lead, "writer", "np_bullet", _noun_action(body[:60]))]
    if first and is_verb:
        h = unit.header.lower()
        owner = re.search(r"\((me|i|us|we|you|u|them|they|[A-Z][a-z]+)\)", body)
        if owner:
            o = owner.group(1).lower()
            side = "writer" if o in ("me", "i", "us", "we") else "reader" if o in ("you", "u") else "third_theirs"
        elif re.search(r"\b(?:your|you|their|they)\b", h):
            side = "reader"
        else:
            side = "writer"
        lead = len(body) - len(body.lstrip())
        return [_Head(off + lead, off + lead, side, "bullet")]
    return []
