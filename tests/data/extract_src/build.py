"""Build tests/data/extract_cases.jsonl (the scorer's schema) from the hand-written case files here.

Case file format (a readable way to hand-label; the labels are written by hand, not generated):
    @ DIRECTION YYYY-MM-DD HH:MM ZONE [id]
    message text, any number of lines
    => WHO ACTIONS DATE [TIME] [cond|cond?] [vague|vague?]
    ---
WHO: me | them | me,them. ACTIONS: comma list. DATE: ISO date(s) (comma list), `any` (no date stated),
`+N` (N days after the sent date), `mon`..`sun` (the first such day after the sent date), `nmon`..`nsun`
(that day of the following week), `YYYY-MM-DD..YYYY-MM-DD` (any day of that range). TIME: HH:MM or HH:MM-HH:MM. No `=>` line = no promise in the message.
"""
import datetime as dt
import json
import pathlib
import sys
from zoneinfo import ZoneInfo

ZONES = {"NY": "America/New_York", "LA": "America/Los_Angeles", "CHI": "America/Chicago", "DEN": "America/Denver",
         "LON": "Europe/London", "BER": "Europe/Berlin", "PAR": "Europe/Paris", "DUB": "Europe/Dublin",
         "KOL": "Asia/Kolkata", "SGP": "Asia/Singapore", "SYD": "Australia/Sydney", "TOR": "America/Toronto",
         "MUM": "Asia/Kolkata", "AMS": "Europe/Amsterdam", "JNB": "Africa/Johannesburg", "DXB": "Asia/Dubai"}
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def resolve_date(tok, sent):
    d = sent.date()
    if tok == "any":
        return "any"
    if tok.startswith("+"):
        return [(d + dt.timedelta(days=int(tok[1:]))).isoformat()]
    out = []
    for t in tok.split(","):
        if t in DAYS:
            k = (DAYS.index(t) - d.weekday()) % 7 or 7
            out.append((d + dt.timedelta(days=k)).isoformat())
        elif t.startswith("n") and t[1:] in DAYS:
            monday_next = d + dt.timedelta(days=7 - d.weekday())
            out.append((monday_next + dt.timedelta(days=DAYS.index(t[1:]))).isoformat())
        elif t.startswith("+"):
            out.append((d + dt.timedelta(days=int(t[1:]))).isoformat())
        elif ".." in t:
            a, b = (dt.date.fromisoformat(x) for x in t.split(".."))
            out.extend((a + dt.timedelta(days=k)).isoformat() for k in range((b - a).days + 1))
        else:
            dt.date.fromisoformat(t)
            out.append(t)
    return out


def parse(path):
    cases, cur, n = [], None, 0
    for raw in path.read_text().split("\n"):
        if raw.startswith("@ "):
            parts = raw[2:].split()
            direction, day, hm, zone = parts[:4]
            tz = ZONES.get(zone, zone)
            sent = dt.datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=ZoneInfo(tz))
            n += 1
            ident = parts[4] if len(parts) > 4 else f"{path.stem}-{n:03d}"
            cur = {"id": ident, "direction": direction, "sent_at": sent.isoformat(), "timezone": tz,
                   "lines": [], "expected": [], "_sent": sent}
        elif raw.startswith("=> ") and cur is not None:
            toks = raw[3:].split()
            e = {"who": toks[0].split(","), "action": toks[1].split(","), "date": resolve_date(toks[2], cur["_sent"]),
                 "time": None, "conditional": False, "vague": False}
            for t in toks[3:]:
                if t[0].isdigit():
                    a, _, b = t.partition("-")
                    e["time"] = [a, b or a]
                elif t == "cond":
                    e["conditional"] = True
                elif t == "cond?":
                    e["conditional"] = None
                elif t == "vague":
                    e["vague"] = True
                elif t == "vague?":
                    e["vague"] = None
                else:
                    sys.exit(f"{path}: bad token {t!r} in {raw!r}")
            cur["expected"].append(e)
        elif raw.strip() == "---":
            if cur is not None:
                cur["text"] = "\n".join(cur.pop("lines")).strip("\n")
                cur.pop("_sent")
                cases.append(cur)
            cur = None
        elif cur is not None:
            cur["lines"].append(raw)
    return cases


def main():
    here = pathlib.Path(__file__).parent
    out = here.parent / "extract_cases.jsonl"
    cases = [c for p in sorted(here.glob("*.txt")) for c in parse(p)]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with out.open("w") as f:
        for c in cases:
            f.write(json.dumps({k: c[k] for k in ("id", "direction", "sent_at", "timezone", "text", "expected")}) + "\n")
    print(f"{len(cases)} cases, {sum(len(c['expected']) for c in cases)} expected promises -> {out}")


if __name__ == "__main__":
    main()
