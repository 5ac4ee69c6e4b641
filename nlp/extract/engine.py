"""The extraction cascade: own text -> units -> candidate sentences -> heads -> filters -> commitments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from nlp.extract import gate
from nlp.extract.actions import _action
from nlp.extract.confidence import confidence
from nlp.extract.filters import Candidate, may_gate
from nlp.extract.heads import find_heads
from nlp.extract.lexicon import (
    _ANAPHOR,
    _BULLET,
    _BULLET_START,
    _HEADER_LINE,
    _INLINE_LIST,
    _INNER_STOP,
    _ROUGH_SPLIT,
    _SOFT_END,
    _TO_BULLET,
    _has_cue,
)
from nlp.extract.model import (
    DIRECTIONS,
    MAX_CHARS,
    MAX_COMMITMENTS,
    ExtractedCommitment,
    MessageInput,
    SentenceTrace,
    _Ctx,
    _Head,
    _Unit,
)
from nlp.extract.registry import FILTERS, HEAD_RULES, NOT_AN_ACT, TIMED_FILTERS
from nlp.extract.timing import (
    _after_condition,
    _combine_day,
    _condition_time,
    _conditional,
    _due,
    _LazyTimes,
    _pick_time,
    _relative_day,
)
from nlp.quotes import own_text_mask
from nlp.when import TimeMention

if TYPE_CHECKING:
    from spacy.language import Language


@lru_cache(maxsize=1)
def _nlp() -> Language:
    """spaCy's sentencizer, made when a batch first has a piece the rough splitter cannot settle: spaCy is
    imported here, not with the module, so a short draft (`assistant check` from a send hook) whose
    sentences the rules settle never pays for it."""
    from spacy.lang.en import English

    nlp = English()
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_CHARS * 2
    return nlp


def extract(text: str, *, sent_at: datetime, timezone: str, direction: str,
            scored: bool = True) -> list[ExtractedCommitment]:
    """Every promise in one raw message body (quotes and signatures are stripped here). With `scored=False`
    the same promises come back without their gate score and calibrated confidence (`gate` None,
    `confidence` 0.0): for a caller that needs only what, who and when (`assistant check` from a send
    hook), which then loads spaCy only if a rule asks the gate or a piece needs the sentencizer."""
    return next(pipe([MessageInput(text, sent_at, timezone, direction)], scored=scored))


def pipe(messages: Iterable[MessageInput], batch_size: int = 64, *,
         scored: bool = True) -> Iterator[list[ExtractedCommitment]]:
    """The promises of each message, in input order; candidate units of a batch go through spaCy together."""
    batch: list[MessageInput] = []
    for message in messages:
        batch.append(message)
        if len(batch) >= batch_size:
            yield from _run_batch(batch, scored=scored)
            batch = []
    if batch:
        yield from _run_batch(batch, scored=scored)


def explain(message: MessageInput) -> tuple[list[ExtractedCommitment], list[SentenceTrace]]:
    """The commitments of one message and, per candidate sentence, which rule fired and which filter
    rejected it (`assistant extract --explain`)."""
    trace: list[SentenceTrace] = []
    found = next(_run_batch([message], trace))
    return found, trace


def _run_batch(batch: list[MessageInput], trace: list[SentenceTrace] | None = None, *, scored: bool = True
               ) -> Iterator[list[ExtractedCommitment]]:
    units: list[_Unit] = []
    ctxs: list[_Ctx | None] = []
    for i, m in enumerate(batch):
        ctx = _context(m)
        ctxs.append(ctx)
        if ctx is None:
            continue
        own = own_text_mask(m.text[:MAX_CHARS])
        units.extend(u for u in _split_inline_lists(_units(i, own))
                     if u.header or u.bullet or ctx.direction == "note" or _has_cue(u.text))
    results: list[list[ExtractedCommitment]] = [[] for _ in batch]
    said_in: list[str] = []  # the sentence of each commitment, in the order results are filled
    # Second stage: rough sentence pieces without a cue word never reach spaCy.
    segments: list[tuple[_Unit, int, str]] = []
    known_heads: dict[tuple[int, int], tuple[str, list[_Head]]] = {}
    for unit in units:
        ctx = ctxs[unit.msg]
        if unit.header or unit.bullet or (ctx is not None and ctx.direction == "note"):
            segments.extend((unit, off, w) for off, w in _windows(unit.text))
            continue
        pieces = [w for p in _with_offsets(_ROUGH_SPLIT.split(unit.text)) for w in _windows(p[1], p[0])]
        for pos, piece in pieces:
            if ctx is not None and (len(pieces) == 1 or _has_cue(piece)):
                heads = find_heads(piece, unit, ctx, HEAD_RULES)
                if heads:
                    segments.append((unit, pos, piece))
                    known_heads[(id(unit), pos)] = (piece, heads)
    # Third stage: spaCy's sentencizer segments the pieces the rough splitter could not settle (sentence
    # punctuation inside them, or whole bullet/note units); a piece with none is one sentence as it stands.
    unsure = [i for i, (_, _, t) in enumerate(segments) if _INNER_STOP.search(t)]
    docs = dict(zip(unsure, _nlp().pipe(segments[i][2] for i in unsure), strict=True)) if unsure else {}
    # Every sentence with its heads, so that the gate scores in one batch only the sentences whose heads it reads.
    sentences: list[tuple[_Unit, int, str, list[_Head]]] = []
    for i, (unit, seg_off, seg_text) in enumerate(segments):
        doc = docs.get(i)
        spans = [w for sent in doc.sents for w in _windows(sent.text, sent.start_char)] if doc is not None \
            else [(0, seg_text)]
        for start_char, s_text in spans:
            if not s_text.strip():
                continue
            off = seg_off + start_char
            known = known_heads.get((id(unit), off))
            found = known[1] if known is not None and known[0] == s_text else None
            ctx = ctxs[unit.msg]
            if found is None and ctx is not None and (unit.header or unit.bullet or ctx.direction == "note"
                                                      or _has_cue(s_text)):
                found = find_heads(s_text, unit, ctx, HEAD_RULES)
            sentences.append((unit, off, s_text, found or []))
    if scored:  # (unscored, the gate scores only the sentences a rule hands it, one by one)
        gate.prefetch([t for u, _, t, heads in sentences if heads and ctxs[u.msg] is not None
                       and any(may_gate(h, t) for h in heads)])
    times_of: dict[int, _LazyTimes] = {}
    for unit, off, s_text, heads in sentences:
        ctx = ctxs[unit.msg]
        assert ctx is not None
        if not heads or len(results[unit.msg]) >= _ENOUGH:
            continue  # a message that already holds five times the cap is hostile or a list: the rest is not read
        unit_times = times_of.setdefault(id(unit), _LazyTimes(unit.text, ctx))
        promises = _sentence(s_text, off, unit, ctx, unit_times, heads, trace)
        results[unit.msg].extend(promises)
        said_in.extend(s_text for _ in promises)
    # The gate's score is a feature of every commitment's confidence: the sentences of those it did not read
    # as a filter are scored here, in one batch, not one by one.
    if not scored:
        for r in results:
            yield _bounded(_dedupe(r))
        return
    gate.prefetch(said_in)
    sentence_of = iter(said_in)
    for r in results:
        yield _bounded(_dedupe([_scored(c, next(sentence_of)) for c in r]))


_ENOUGH = 5 * MAX_COMMITMENTS
# "..., and if ...", "; unless ...", "- if ...": a condition that opens a new clause before the next promise.
_LEADING_CONDITION = re.compile(r"(?:[,;]|\s[-–—]|\band)\s+(?:then\s+)?(?:if|unless|in\s+case|should\s+(?:i|we|you)|"
                                r"failing\s+that|otherwise)\b", re.I)
MAX_SENTENCE = 1_500  # characters: nobody writes a longer sentence; a run-on or hostile one is read in windows


def _with_offsets(parts: list[str]) -> list[tuple[int, str]]:
    out, pos = [], 0
    for p in parts:
        out.append((pos, p))
        pos += len(p)
    return out


def _windows(text: str, base: int = 0) -> list[tuple[int, str]]:
    """(offset, text) windows of at most MAX_SENTENCE characters, cut at whitespace: the rules' work per sentence
    grows with the number of heads in it, so a 100,000-character line without a full stop must not be one."""
    if len(text) <= MAX_SENTENCE:
        return [(base, text)]
    out: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + MAX_SENTENCE)
        if end < len(text):
            cut = text.rfind(" ", pos + MAX_SENTENCE // 2, end)
            end = cut + 1 if cut > 0 else end
        out.append((base + pos, text[pos:end]))
        pos = end
    return out


def _context(m: MessageInput) -> _Ctx | None:
    """Validated message context; None means 'nothing to extract' (never raise on bad input)."""
    if not isinstance(m.text, str) or not m.text.strip():
        return None
    try:
        zone = ZoneInfo(m.timezone)
    except Exception:
        zone = ZoneInfo("UTC")
    sent_at = m.sent_at
    if not isinstance(sent_at, datetime):
        return None
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=zone)
    direction = m.direction if m.direction in DIRECTIONS else "sent"
    head = m.text[:MAX_CHARS]
    return _Ctx(sent_at.astimezone(zone), zone, direction, head[:2000], head)


def _units(msg: int, own: str) -> list[_Unit]:
    """Split the own text into hard-broken units; soft wraps (long line, no end punctuation, next line goes
    on in lower case) are joined by turning the newline into a space, which keeps every offset."""
    out: list[_Unit] = []
    header = ""
    items = 0
    cur_start = -1
    cur_parts: list[str] = []
    cur_bullet = False
    pos = 0
    for ln in own.split("\n"):
        start, pos = pos, pos + len(ln) + 1
        stripped = ln.strip()
        if not stripped:
            if cur_start >= 0:
                out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
                cur_start, cur_parts, cur_bullet = -1, [], False
            if items:
                header, items = "", 0  # a blank line after the list's items ends the list
            continue
        is_bullet = (stripped[0] in _BULLET_START or stripped[1:2] in (".", ")")) and bool(_BULLET.match(ln))
        if (cur_start >= 0 and not is_bullet and len(cur_parts[-1].strip()) >= 45
                and not _SOFT_END.search(cur_parts[-1])):
            cur_parts.append(ln)
            continue
        if cur_start >= 0:
            out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
        if len(stripped) < 80 and (len(stripped) < 45 or stripped[-1] in ":-–") and _HEADER_LINE.match(stripped):
            header, items = stripped, 0
            cur_start, cur_parts, cur_bullet = -1, [], False
            continue
        items += 1
        if header and not is_bullet and len(stripped) > 80 and not _TO_BULLET.match(stripped):
            header = ""
        cur_start, cur_parts, cur_bullet = start, [ln], is_bullet
    if cur_start >= 0:
        out.append(_Unit(msg, cur_start, " ".join(cur_parts), header, cur_bullet))
    return out


def _split_inline_lists(units: Iterable[_Unit]) -> Iterator[_Unit]:
    """'Next steps: send pricing (me) Fri; Nina to confirm budget owner by 11/20.' -> one bullet per item."""
    for u in units:
        low = u.text.lower() if ":" in u.text else ""
        m = _INLINE_LIST.search(u.text) if low and ("step" in low or "item" in low or "do" in low
                                                     or "action" in low) else None
        if m is None or m.end() >= len(u.text):
            yield u
            continue
        if m.start() > 0:
            yield _Unit(u.msg, u.start, u.text[:m.start()], u.header, u.bullet)
        pos = m.end()
        for part in re.split(r"(;\s*|\s*[•·]\s*)", u.text[m.end():]):
            if part.strip() and not re.fullmatch(r";\s*|\s*[•·]\s*", part):
                yield _Unit(u.msg, u.start + pos, part, "next steps:", True)
            pos += len(part)


def _sentence(s: str, s_off: int, unit: _Unit, ctx: _Ctx, unit_times: _LazyTimes, heads: list[_Head],
              trace: list[SentenceTrace] | None = None) -> list[ExtractedCommitment]:
    """The commitments of one sentence whose heads `_run_batch` has found."""
    base = unit.start + s_off
    if not heads:
        return []
    st = SentenceTrace(base, s) if trace is not None else None
    if st is not None and trace is not None:
        trace.append(st)
    times: list[TimeMention] | None = None
    earlier: list[TimeMention] = []
    out: list[ExtractedCommitment] = []
    coords: list[bool] = []
    scopes: list[int] = []
    for idx, head in enumerate(heads):
        clause_end = heads[idx + 1].start if idx + 1 < len(heads) else len(s)
        clause_end = _clause_end(s, head.verb, clause_end)
        # A condition opening between this head and the next leads the next promise, not this one.
        scope_end = clause_end
        if idx + 1 < len(heads):
            lead = _LEADING_CONDITION.search(s, head.verb, heads[idx + 1].start)
            scope_end = lead.start() if lead else clause_end
        scope_start = scopes[-1] if scopes else 0
        scopes.append(scope_end)
        clause = s[head.start:clause_end]
        vp = s[head.verb:clause_end].strip()
        cand = Candidate(s, head, clause, vp, ctx, unit)
        rejected = next((f.name for f in FILTERS if f.rejects(cand)), None)
        action, vague = _action(vp, head) if rejected is None else (None, False)
        if rejected is None and action is None:
            rejected = NOT_AN_ACT
        if rejected is not None:
            if st is not None:
                st.rejected.append((head.rule, rejected, clause))
            continue
        assert action is not None
        restates = head.kind == "reader" and bool(out) and bool(
            re.match(r"^\s*(?:it|them|this|that|these|those)\b", s[head.verb:]))
        if times is None:
            all_times = unit_times.get()
            times = [replace(t, start=t.start - s_off, end=t.end - s_off) for t in all_times
                     if s_off <= t.start < s_off + len(s)]
            earlier = [replace(t, start=t.start - s_off, end=t.end - s_off) for t in all_times if t.start < s_off]
        prev_end = heads[idx - 1].start if idx > 0 else 0
        mention = _pick_time(s, times, head, clause_end, prev_end, first=idx == 0, today=ctx.sent_at.date())
        if mention is None and _ANAPHOR.search(s, head.verb, clause_end):
            prior = [t for t in earlier + times if t.start < head.start and not t.is_past]
            mention = prior[-1] if prior else None
        if mention is None:
            mention = _relative_day(s, head.start, head.verb, clause_end, earlier + times)
        if mention is None:
            mention = _condition_time(s, times, head, clause_end, prev_end)
        if mention is not None:
            usable_before = [t for t in earlier + times if t.start < mention.start]
            mention = _combine_day(mention, usable_before, s_off)
        rejected = next((f.name for f in TIMED_FILTERS if f.rejects(cand, mention)), None)
        if rejected is not None:
            if st is not None:
                st.rejected.append((head.rule, rejected, clause))
            continue
        after_word = mention is not None and mention.start >= 0 and bool(
            re.search(r"\bafter\s+$", s[max(0, mention.start - 8):mention.start], re.I))
        due, has_time = _due(mention, ctx, after_word)
        conditional = _conditional(s, head, scope_end, scope_start)
        if conditional and due is not None and mention is not None:
            due = _after_condition(s, times, head, scope_end, mention, due, scope_start)
        who = _who(head.side, ctx)
        if restates:
            if out[-1].due is None and due is not None:
                out[-1] = replace(out[-1], due=due, due_has_time=has_time)
            continue
        t_start, t_end = _trim(s, 0 if idx == 0 else head.start, clause_end if idx + 1 < len(heads) else len(s))
        c = ExtractedCommitment(
            who=who, action=action, due=due, due_has_time=has_time, conditional=conditional,
            vague=vague, text=s[t_start:t_end], start=base + t_start, end=base + t_end, rule=head.rule,
        )
        out.append(c)
        if st is not None:
            st.kept.append((head.rule, clause))
        coords.append(head.coord)
    return _share_times(out, coords)


def _scored(c: ExtractedCommitment, sentence: str) -> ExtractedCommitment:
    """The commitment with its gate score and its calibrated confidence."""
    c = replace(c, gate=gate.score(sentence))
    return replace(c, confidence=confidence(c, ""))


def _share_times(items: list[ExtractedCommitment], coords: list[bool]) -> list[ExtractedCommitment]:
    """Coordinated verbs share one time when only one of them states it ("I'll book a room and send the
    invite for Tuesday")."""
    if not any(coords):
        return items
    out = list(items)
    for i in range(len(out)):
        group_next = i + 1 < len(out) and coords[i + 1]
        if out[i].due is None:
            donor = None
            if coords[i] and i > 0 and out[i - 1].due is not None:
                donor = out[i - 1]
            elif group_next and out[i + 1].due is not None:
                donor = out[i + 1]
            if donor is not None:
                out[i] = replace(out[i], due=donor.due, due_has_time=donor.due_has_time)
    return out


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (s[a].isspace() or s[a] in "-*•·>"):
        a += 1
    while b > a and s[b - 1].isspace():
        b -= 1
    return a, b


def _clause_end(s: str, verb: int, limit: int) -> int:
    """The promise clause ends at the next sentence-internal break that starts a new thought."""
    m = re.compile(r"\s+[-–—]\s+(?=(?:does|would|is|will|let|please|pls|hope|thanks|any|sound)\b)|;\s+|\s+but\s+",
                   re.I).search(s, verb, limit)
    return m.start() if m else limit


def _who(side: str, ctx: _Ctx) -> str:
    """Map who-said-it to the rep's point of view: `me` is the rep, `them` the other party."""
    writer_is_rep = ctx.direction in ("sent", "note")
    if side in ("writer", "third_ours"):
        return "me" if writer_is_rep else "them"
    if side in ("other_side_writer", "colleague"):
        return "them"
    if side == "reader":
        return "them" if writer_is_rep else "me"
    return "them"


def _dedupe(items: list[ExtractedCommitment]) -> list[ExtractedCommitment]:
    seen: set[tuple[str, str, datetime | None, int]] = set()
    out: list[ExtractedCommitment] = []
    for c in items:
        key = (c.who, c.action, c.due, c.start)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _bounded(items: list[ExtractedCommitment]) -> list[ExtractedCommitment]:
    """At most MAX_COMMITMENTS per message: the most confident ones, in text order (a hostile 1 MB message
    must not flood the rep's queue)."""
    if len(items) <= MAX_COMMITMENTS:
        return items
    keep = sorted(range(len(items)), key=lambda i: (-items[i].confidence, i))[:MAX_COMMITMENTS]
    return [items[i] for i in sorted(keep)]
