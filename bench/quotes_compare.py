"""Compare quote/signature strippers: ours (nlp.quotes.strip_quotes), quotequail, mail-parser-reply and
email-reply-parser.

Two sets:
1. tests/data/quotes/cases.jsonl - 28 hand-written emails (Gmail, Outlook, Original Message, Apple, Lotus
   Notes, forwards, `>` quotes, signatures, disclaimers) with the author's own text marked by hand.
   `exact` = output equals the own text (whitespace-normalised); `cut ok` = the own text is kept whole and
   at most 120 characters of sign-off/signature are left over, and no quoted history.
2. enron-sent.jsonl `quote_start` (8,583 real sent emails; 796 with quoted history): `cut ok` = the output
   is the text before quote_start (whitespace-normalised), short by at most 120 characters (a sign-off or
   signature a tool removed) and never longer; for rows without history the whole body must be kept the
   same way.
usage: python bench/quotes_compare.py [PATH_TO_enron-sent.jsonl]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nlp.quotes import strip_quotes

HERE = Path(__file__).resolve().parent.parent
CASES = HERE / "tests" / "data" / "quotes" / "cases.jsonl"
ENRON = HERE.parent / "shared" / "data" / "external" / "enron-sent.jsonl"
SLACK = 120


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def tool_ours(text: str) -> str:
    return strip_quotes(text)


def tool_quotequail(text: str) -> str:
    import quotequail

    parts = quotequail.quote(text, quote_intro_line=True)
    return "".join(t for shown, t in parts if shown)


def tool_mail_parser_reply(text: str) -> str:
    from mailparser_reply import EmailReplyParser

    mail = EmailReplyParser(languages=["en", "de", "fr"]).read(text)
    if not mail.replies:
        return ""
    return str(mail.replies[0].body or "")


def tool_email_reply_parser(text: str) -> str:
    from email_reply_parser import EmailReplyParser

    return str(EmailReplyParser.parse_reply(text) or "")


TOOLS: dict[str, Callable[[str], str]] = {
    "ours (nlp.quotes)": tool_ours,
    "quotequail": tool_quotequail,
    "mail-parser-reply": tool_mail_parser_reply,
    "email-reply-parser": tool_email_reply_parser,
}


def cut_ok(out: str, expected: str) -> bool:
    o, e = norm(out), norm(expected)
    if not e:
        return not o
    return e.startswith(o) and len(e) - len(o) <= SLACK and (len(o) > 0)


def run(tool: Callable[[str], str], text: str) -> str:
    try:
        return tool(text)
    except Exception:
        return text  # a crash counts as "kept everything"


def main() -> int:
    enron_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ENRON
    cases = [json.loads(x) for x in CASES.read_text().splitlines() if x.strip()]
    rows = [json.loads(x) for x in enron_path.read_text().splitlines()] if enron_path.exists() else []
    print(f"hand-written cases: {len(cases)}; enron rows: {len(rows)} "
          f"({sum(r['quote_start'] is not None for r in rows)} with quoted history)")
    print("| tool | own cases exact | own cases cut ok | enron with history cut ok | enron without history kept | "
          "ms/email |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, tool in TOOLS.items():
        exact = sum(norm(run(tool, c["text"])) == norm(c["own"]) for c in cases)
        own_cut = 0
        for c in cases:
            o, e = norm(run(tool, c["text"])), norm(c["own"])
            own_cut += o.startswith(e) and len(o) - len(e) <= SLACK
        t0 = time.perf_counter()
        with_q = [r for r in rows if r["quote_start"] is not None]
        no_q = [r for r in rows if r["quote_start"] is None]
        ok_q = sum(cut_ok(run(tool, r["text"]), r["text"][: r["quote_start"]]) for r in with_q)
        ok_n = sum(cut_ok(run(tool, r["text"]), r["text"]) for r in no_q)
        ms = (time.perf_counter() - t0) * 1000 / max(1, len(rows))
        n_q, n_n = max(1, len(with_q)), max(1, len(no_q))
        print(f"| {name} | {exact}/{len(cases)} | {own_cut}/{len(cases)} | {ok_q}/{len(with_q)} ({ok_q / n_q:.3f}) | "
              f"{ok_n}/{len(no_q)} ({ok_n / n_n:.3f}) | {ms:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
