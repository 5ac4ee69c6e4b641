"""What the EWT dependency parser (nlp/syntax.py) costs and what it gains, against rules over tokens.

Prints, on one core:
1. cost: import + load time, peak RSS after load, sentences/s parsing candidate-length sentences (10-40
   tokens), and messages/s over the 8,583 Enron sent texts when only sentences holding a modal or future cue
   are parsed (the cascade), next to the cue matcher alone;
2. parser accuracy on the EWT test file (UAS/LAS, punctuation excluded, spaCy's tokenizer aligned to the
   gold words), overall and for the email genre (sentence ids "email-...");
3. subject_of / clause_kind accuracy on EWT test sentences holding will/'ll/shall/won't/going to: the gold
   answer is the same function run on the gold tree; the parser's answer runs on the parse of the raw text;
   the baseline is a token rule (nearest pronoun/capitalised word before the modal; if/when/unless... with no
   comma between -> conditional; that/which/who before the subject -> relative; ...).
Nothing is tuned on these data; EWT test and Enron are only measured.
usage: python bench/syntax_cost.py [EWT_DIR] [ENRON_JSONL]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
EWT = HERE.parent / "shared" / "data" / "ud-english-ewt"
ENRON = HERE.parent / "shared" / "data" / "external" / "enron-sent.jsonl"

FUTURE_CUE = re.compile(r"\b(?:will|shall|won't|wont|gonna|going to)\b|'ll\b", re.I)
MODAL_CUE = re.compile(
    r"\b(?:will|shall|won't|wont|gonna|going to|can|could|would|should|must|may|might|let me|plan to|"
    r"need to|have to)\b|'ll\b", re.I)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------------------------- CoNLL-U


@dataclass(frozen=True)
class Word:
    form: str
    lemma: str
    upos: str
    tag: str
    head: int  # 0-based index in the sentence, -1 for the root
    dep: str
    idx: int  # character offset in the sentence text
    space: bool


@dataclass(frozen=True)
class Sentence:
    sent_id: str
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return "".join(w.form + (" " if w.space else "") for w in self.words).rstrip()


def read_conllu(path: Path) -> list[Sentence]:
    out: list[Sentence] = []
    sid = ""
    rows: list[list[str]] = []
    mwt_start = mwt_end = 0
    mwt_space = True
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("# sent_id = "):
            sid = line.split("=", 1)[1].strip()
        elif line.startswith("#"):
            continue
        elif not line.strip():
            if rows:
                words: list[Word] = []
                pos = 0
                for r in rows:
                    words.append(Word(r[1], r[2], r[3], r[4], int(r[6]) - 1, r[7], pos, r[-1] == "1"))
                    pos += len(r[1]) + (1 if r[-1] == "1" else 0)
                out.append(Sentence(sid, tuple(words)))
            rows = []
            mwt_start = mwt_end = 0
        else:
            cols = line.split("\t")
            if "." in cols[0]:
                continue
            if "-" in cols[0]:
                mwt_start, mwt_end = (int(x) for x in cols[0].split("-"))
                mwt_space = "SpaceAfter=No" not in cols[9]
                continue
            n = int(cols[0])
            if mwt_start <= n < mwt_end:
                space = False
            elif n == mwt_end:
                space = mwt_space
            else:
                space = "SpaceAfter=No" not in cols[9]
            rows.append([*cols[:8], "1" if space else "0"])
    return out


def gold_doc(vocab: object, s: Sentence) -> object:
    from spacy.tokens import Doc

    heads = [w.head if w.head >= 0 else i for i, w in enumerate(s.words)]
    deps = ["ROOT" if w.head < 0 else w.dep for w in s.words]
    return Doc(vocab, words=[w.form for w in s.words], spaces=[w.space for w in s.words],  # type: ignore[arg-type]
               heads=heads, deps=deps, tags=[w.tag for w in s.words])


# ------------------------------------------------------------------------------------------- baseline

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*|'[a-z]+|n't|[^\sA-Za-z0-9]")
PRONOUNS = frozenset("i we you he she it they this that who which there one someone somebody everyone "
                     "everybody nobody anyone anybody something everything nothing these those".split())
DETS = frozenset("the a an our my your their his her its this that these those some all every each "
                 "any no both either".split())
SKIP = frozenset("also then probably definitely certainly just still really surely now soon all both only "
                 "never not hopefully likely n't too already always usually".split())
AUX_BEFORE_GOING = frozenset("am is are was were be been 'm 're 's".split())
CONDITION = ("if", "unless", "when", "whenever", "once", "until", "provided", "assuming", "as soon as",
             "in case", "as long as", "before", "after")
PURPOSE = ("so that", "in order")
ADVERBIAL = ("because", "since", "although", "though", "while", "as")
REPORTING = frozenset("said say says saying told tell tells think thinks thought believe believes hope hopes "
                      "guess expect expects know knows knew sure assume feel felt heard hear mentioned "
                      "suspect doubt understand suppose promise promised confirm confirmed agree agreed "
                      "what how where why whether".split())
RELATIVIZERS = frozenset({"that", "which", "who", "whom", "whose"})
COORD = frozenset({"and", "but", "or", "so", "&"})


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(), m.start()) for m in _TOKEN.finditer(text)]


def rule_subject(text: str, char: int) -> tuple[str | None, int]:
    """Nearest pronoun / capitalised word (with its name or determiner phrase) before the modal."""
    toks = _tokens(text)
    k = next((i for i, (_, at) in enumerate(toks) if at >= char), len(toks))
    j = k - 1
    if k < len(toks) and toks[k][0].lower() in {"going", "gon"}:
        while j >= 0 and toks[j][0].lower() in AUX_BEFORE_GOING:
            j -= 1
    while j >= 0 and toks[j][0].lower() in SKIP:
        j -= 1
    if j < 0 or not toks[j][0][0].isalnum():
        return None, k
    word = toks[j][0]
    if word.lower() in PRONOUNS:
        return word, j
    if word[0].isupper():
        start = j
        while start > 0 and toks[start - 1][0][:1].isupper() and toks[start - 1][0].lower() not in PRONOUNS:
            start -= 1
        return text[toks[start][1]: toks[j][1] + len(word)], start
    for back in range(1, 4):
        i = j - back
        if i < 0 or not toks[i][0][0].isalpha():
            break
        if toks[i][0].lower() in DETS:
            return text[toks[i][1]: toks[j][1] + len(word)], i
    return word, j


def rule_kind(text: str, char: int) -> str:
    toks = _tokens(text)
    k = next((i for i, (_, at) in enumerate(toks) if at >= char), len(toks))
    subj, s = rule_subject(text, char)
    low = [t.lower() for t, _ in toks]
    before_subj = low[s - 1] if s > 0 else ""
    prefix = low[:k]
    # the stretch since the last comma/semicolon/colon before the modal
    cut = max((i for i, t in enumerate(prefix) if t in {",", ";", ":", "-"}), default=-1)
    stretch = " " + " ".join(prefix[cut + 1:]) + " "
    if subj is not None and subj.lower() in RELATIVIZERS - {"that"} and s > 0:
        return "relative"
    if before_subj in REPORTING or (before_subj == "that" and s > 1 and low[s - 2] in REPORTING):
        return "complement"
    if before_subj in RELATIVIZERS:
        return "relative"
    if any(f" {p} " in stretch for p in PURPOSE):
        return "purpose"
    if any(f" {c} " in stretch for c in CONDITION):
        return "conditional"
    if any(f" {a} " in stretch for a in ADVERBIAL):
        return "adverbial"
    if before_subj in COORD or (k > 0 and low[k - 1] in COORD):
        return "coordinated"
    return "main"


# ------------------------------------------------------------------------------------------- sections


def modal_items(s: Sentence, *, other: bool = False) -> list[int]:
    """Word indices of will/'ll/shall/won't auxiliaries and of "going" in "going to <verb>"; with ``other``,
    of the other modal auxiliaries instead (can, could, would, should, must, may, might)."""
    out = []
    for i, w in enumerate(s.words):
        if other:
            if w.tag == "MD" and w.lemma.lower() not in {"will", "shall"}:
                out.append(i)
        elif w.upos == "AUX" and w.lemma.lower() in {"will", "shall"}:
            out.append(i)
        elif (w.form.lower() in {"going", "gon"} and i + 1 < len(s.words)
              and s.words[i + 1].form.lower() in {"to", "na"}):
            out.append(i)
    return out


TRIGGERS = frozenset(w for group in (CONDITION, PURPOSE, ADVERBIAL) for p in group for w in p.split()) | REPORTING \
    | RELATIVIZERS | COORD | frozenset("where why how what whatever whoever than like".split())


def needs_parse(text: str, char: int) -> bool:
    """The token rules' own doubt: parse only when a word before the modal could open a clause or the subject
    is not a pronoun or name right before the modal. Otherwise the answer is main clause, rule subject."""
    toks = _tokens(text)
    k = next((i for i, (_, at) in enumerate(toks) if at >= char), len(toks))
    subj, s = rule_subject(text, char)
    if subj is None or (subj.lower() not in PRONOUNS and not subj[:1].isupper()):
        return True
    return any(t.lower() in TRIGGERS for t, _ in toks[:k])


def norm(x: str | None) -> str:
    return " ".join((x or "").lower().split())


def section_cost(texts: list[str]) -> None:
    t0 = time.perf_counter()
    from nlp import syntax

    t1 = time.perf_counter()
    nlp = syntax.load()
    t2 = time.perf_counter()
    print(f"import nlp.syntax (spaCy): {t1 - t0:.2f} s; load model: {t2 - t1:.2f} s; "
          f"peak RSS after load: {rss_mb():.0f} MB")
    from spacy.lang.en import English

    seg = English()
    seg.add_pipe("sentencizer")
    t3 = time.process_time()
    future: list[str] = []
    modal: list[str] = []
    n_sents = 0
    for doc in seg.pipe(texts, batch_size=256):
        for sent in doc.sents:
            n_sents += 1
            st = sent.text.strip()
            if FUTURE_CUE.search(st):
                future.append(st)
            if MODAL_CUE.search(st):
                modal.append(st)
    t4 = time.process_time()
    seg_s = t4 - t3
    print(f"Enron: {len(texts)} texts, {n_sents} sentences; segmentation + cue: {seg_s:.2f} CPU-s "
          f"({len(texts) / seg_s:.0f} msgs/s)")
    cand = [s for s in modal if 10 <= len(nlp.make_doc(s)) <= 40]
    toks = sum(len(nlp.make_doc(s)) for s in cand)
    wall, cpu = stream(nlp, cand)
    print(f"parse {len(cand)} candidate sentences of 10-40 tokens: {len(cand) / cpu:.0f} sentences/s per CPU-second "
          f"({toks / cpu:.0f} tokens/s; wall {len(cand) / wall:.0f}/s on this shared box)")
    seg_cpu = seg_s  # segmentation ran alone in this process: wall ~ CPU
    gated = [s for s in future if needs_parse(s, first_cue(s))]
    for name, group in (("future cue (will/'ll/shall/won't/going to/gonna)", future),
                        ("future cue, gated by the token rules (needs_parse)", gated),
                        ("any modal cue", modal)):
        wall, cpu = stream(nlp, group)
        print(f"cascade, {name}: {len(group)} sentences parsed ({len(group) / n_sents:.1%} of all), "
              f"parse {cpu:.1f} CPU-s; segmentation+cue+parse {len(texts) / (seg_cpu + cpu):.0f} msgs/s "
              f"(parse adds {cpu / len(texts) * 1000:.2f} ms/message)")
    print(f"peak RSS after parsing: {rss_mb():.0f} MB")


def stream(nlp: object, texts: list[str]) -> tuple[float, float]:
    """Parse ``texts`` without keeping the Docs; (wall seconds, CPU seconds of this process)."""
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in nlp.pipe(texts, batch_size=64):  # type: ignore[attr-defined]
        pass
    return time.perf_counter() - w0, time.process_time() - c0


def first_cue(sent: str) -> int:
    m = FUTURE_CUE.search(sent)
    return m.start() if m else 0


def section_uas(test: list[Sentence]) -> None:
    from spacy.training import Example

    from nlp import syntax

    nlp = syntax.load()
    for label, subset in (("all", test), ("email", [s for s in test if s.sent_id.startswith("email-")])):
        examples = [Example(nlp.make_doc(s.text), gold_doc(nlp.vocab, s)) for s in subset]  # type: ignore[arg-type]
        sc = nlp.evaluate(examples, batch_size=64)
        print(f"EWT test {label:>5} ({len(subset):>4} sentences): UAS {sc['dep_uas']:.3f}  LAS {sc['dep_las']:.3f}  "
              f"tag {sc['tag_acc']:.3f}")


def section_functions(test: list[Sentence], docs: dict[str, object], *, other: bool) -> None:
    from nlp import syntax

    nlp = syntax.load()
    items = [(s, i) for s in test for i in modal_items(s, other=other)]
    subj_ok = Counter[str]()
    kind_ok = Counter[str]()
    embed_ok = Counter[str]()
    per_kind: dict[str, Counter[str]] = {}
    confusion = Counter[tuple[str, str, str]]()
    gated = 0
    for s, i in items:
        char = s.words[i].idx
        g = syntax.clause_in(gold_doc(nlp.vocab, s), char)  # type: ignore[arg-type]
        p = syntax.clause_in(docs[s.sent_id], char)  # type: ignore[arg-type]
        assert g is not None
        p_subj, p_kind = (p.subject, p.kind) if p is not None else (None, "main")
        r_subj, r_kind = rule_subject(s.text, char)[0], rule_kind(s.text, char)
        gate = needs_parse(s.text, char)
        gated += gate
        h_subj, h_kind = (p_subj, p_kind) if gate else (r_subj, "main")
        email = s.sent_id.startswith("email-")
        for who, subj, kind in (("parser", p_subj, p_kind), ("rules", r_subj, r_kind), ("hybrid", h_subj, h_kind)):
            for scope in ("all", "email") if email else ("all",):
                subj_ok[f"{who}/{scope}"] += norm(subj) == norm(g.subject)
                kind_ok[f"{who}/{scope}"] += kind == g.kind
                said_emb, gold_emb = kind not in {"main", "coordinated"}, g.kind not in {"main", "coordinated"}
                embed_ok[f"{who}/{scope}"] += said_emb == gold_emb
                embed_ok[f"{who}/{scope}/tp"] += said_emb and gold_emb
                embed_ok[f"{who}/{scope}/said"] += said_emb
                embed_ok[f"{who}/{scope}/gold"] += gold_emb
            per_kind.setdefault(g.kind, Counter())[who] += kind == g.kind
            confusion[(who, g.kind, kind)] += 1
        per_kind.setdefault(g.kind, Counter())["n"] += 1
    n_all = len(items)
    n_email = sum(1 for s, _ in items if s.sent_id.startswith("email-"))
    what = "can/could/would/should/must/may/might" if other else "will/'ll/shall/won't/going to"
    print(f"{what} on EWT test: {n_all} items (email genre: {n_email}); gold = same function on the gold tree")
    print(f"(hybrid = parser only where needs_parse says the rules are in doubt: {gated}/{n_all} items; "
          "elsewhere main clause + rule subject)")
    print(f"{'':12} {'subject exact':>13} {'clause kind':>12} {'main-vs-embedded':>17} {'embedded P':>11} "
          f"{'embedded R':>11}")
    for who in ("parser", "rules", "hybrid"):
        for scope, n in (("all", n_all), ("email", n_email)):
            key = f"{who}/{scope}"
            prec = embed_ok[f"{key}/tp"] / max(1, embed_ok[f"{key}/said"])
            rec = embed_ok[f"{key}/tp"] / max(1, embed_ok[f"{key}/gold"])
            print(f"{who:>6}/{scope:<5} {subj_ok[key] / n:>13.3f} {kind_ok[key] / n:>12.3f} {embed_ok[key] / n:>17.3f} "
                  f"{prec:>11.3f} {rec:>11.3f}")
    print("per gold kind (n, parser right, rules right, hybrid right):")
    for kind, c in sorted(per_kind.items(), key=lambda kv: -kv[1]["n"]):
        print(f"  {kind:<12} n={c['n']:>3}  parser {c['parser']:>3}  rules {c['rules']:>3}  hybrid {c['hybrid']:>3}")
    for who in ("parser", "rules"):
        errs = [(f"{g}->{p}", n) for (w, g, p), n in confusion.items() if w == who and g != p]
        errs.sort(key=lambda e: -e[1])
        print(f"  {who} kind errors (gold->said): " + ", ".join(f"{e} {n}" for e, n in errs[:8]))


def main() -> int:
    ewt = Path(sys.argv[1]) if len(sys.argv) > 1 else EWT
    enron = Path(sys.argv[2]) if len(sys.argv) > 2 else ENRON
    test_file = ewt / "en_ewt-ud-test.conllu"
    if not test_file.exists() or not enron.exists():
        print(f"syntax_cost: need {test_file} and {enron} (pass EWT_DIR and ENRON_JSONL)")
        return 1
    texts = [json.loads(line)["text"] for line in enron.read_text(encoding="utf-8").splitlines() if line.strip()]
    print("== cost (one core) ==")
    section_cost(texts)
    test = read_conllu(test_file)
    print("== parser accuracy ==")
    section_uas(test)
    print("== subject_of / clause_kind vs the token-rule baseline ==")
    from nlp import syntax

    docs: dict[str, object] = dict(zip([s.sent_id for s in test], syntax.parse([s.text for s in test]), strict=True))
    section_functions(test, docs, other=False)
    section_functions(test, docs, other=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
