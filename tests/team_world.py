"""A generated sales team for the team tests: N reps, each with their own config.toml (the file one rep
uses), a local Maildir of generated mail (promises to customers, replies, a vague check-in), an .ics
calendar, and one team.toml naming them all."""

from __future__ import annotations

import mailbox
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("America/New_York")
NOW = "2026-11-20T09:00"
COMPANIES = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne")
PROMISES = (
    "I'll send you the revised pricing by Thursday.",
    "I will call you on Tuesday at 2pm to go over the contract.",
    "I'll get you the security questionnaire answers by end of day Friday.",
    "Let me send over the case study on Monday.",
    "I'll follow up with the rollout plan next Wednesday.",
)


@dataclass(frozen=True)
class Rep:
    name: str
    home: Path
    config: Path
    calendar: Path
    mail: Path


def _message(sender: str, to: str, subject: str, body: str, when: datetime, reply_to: str = "") -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = make_msgid(domain=sender.split("@")[1])
    if reply_to:
        m["In-Reply-To"] = reply_to
        m["References"] = reply_to
    m.set_content(body)
    return m


def write_mail(root: Path, rep_email: str, seed: int, threads: int = 3, start: datetime | None = None) -> int:
    """Generate `threads` deals in root/INBOX and root/Sent (Maildirs): a customer asks, the rep promises
    a dated next step; every third thread the customer replies again. Returns the messages written."""
    rnd = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    inbox, sent = mailbox.Maildir(root / "INBOX", create=True), mailbox.Maildir(root / "Sent", create=True)
    base = start or datetime(2026, 11, 9, 9, 0, tzinfo=ZONE)
    count = 0
    for t in range(threads):
        company = COMPANIES[(seed + t) % len(COMPANIES)]
        customer = f"{rnd.choice(['pat', 'lee', 'kim', 'max', 'ana'])}.{t}@{company}.example"
        at = base + timedelta(hours=rnd.randint(0, 40), minutes=rnd.randint(0, 59))
        ask = _message(customer, rep_email, f"{company.title()} next steps {seed}-{t}",
                       "Hi, could you send us what we discussed?\nThanks", at)
        inbox.add(mailbox.MaildirMessage(ask))
        promise = rnd.choice(PROMISES)
        answer = _message(rep_email, customer, f"Re: {company.title()} next steps {seed}-{t}",
                          f"Hi,\n\nThanks for the call. {promise}\n\nBest", at + timedelta(hours=1),
                          reply_to=str(ask["Message-ID"]))
        sent.add(mailbox.MaildirMessage(answer))
        count += 2
        if t % 3 == 2:
            more = _message(customer, rep_email, f"Re: {company.title()} next steps {seed}-{t}",
                            "Great, looking forward to it.", at + timedelta(hours=3),
                            reply_to=str(answer["Message-ID"]))
            inbox.add(mailbox.MaildirMessage(more))
            count += 1
    return count


def make_rep(base: Path, index: int, threads: int = 3) -> Rep:
    name = f"rep{index:03d}"
    home = base / name
    home.mkdir(parents=True)
    email = f"{name}@northwind.example"
    write_mail(home / "mail", email, seed=index, threads=threads)
    config = home / "config.toml"
    config.write_text(
        f'[rep]\nname = "Rep {index}"\nemail = "{email}"\ntimezone = "America/New_York"\n'
        'working_hours = "09:00-17:30"\nworking_days = "Mon-Fri"\n\n'
        '[[accounts]]\nname = "work"\nkind = "local"\nmode = "book"\nmail = ["mail"]\n\n'
        '[calendar]\nkind = "ics"\npath = "followups.ics"\n\n[report]\nweekly = false\n',
        encoding="utf-8")
    return Rep(name=name, home=home, config=config, calendar=home / "followups.ics", mail=home / "mail")


def make_team(base: Path, n: int, url: str, *, threads: int = 3, extra: str = "",
              proxies: str = '["127.0.0.1"]') -> tuple[Path, list[Rep]]:
    reps = [make_rep(base / "reps", i, threads) for i in range(n)]
    key = base / "team.key"
    from cryptography.fernet import Fernet

    key.write_bytes(Fernet.generate_key())
    key.chmod(0o600)
    lines = [f'[store]\nurl = "{url}"\n', f'[secrets]\nkey_file = "{key}"\n',
             f'[web]\nproxies = {proxies}\n',
             '[[managers]]\nemail = "dana@northwind.example"\nreps = ["*"]\n']
    lines += [f'[[reps]]\nname = "{r.name}"\nconfig = "reps/{r.name}/config.toml"\n' for r in reps]
    team = base / "team.toml"
    team.write_text("\n".join(lines) + extra, encoding="utf-8")
    return team, reps
