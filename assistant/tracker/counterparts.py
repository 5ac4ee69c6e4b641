"""Who a promise is with: the other party of a message, a deal's company (the email domain, or the
person for free mail), and how a company reads in a title. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from assistant.models import Message
from assistant.tracker.repository import Mail

FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com",
    "yandex.ru", "yandex.com", "fastmail.com", "hey.com", "qq.com", "163.com", "comcast.net", "verizon.net",
})
_NOTE_NAME = re.compile(r"\b(?:for|from|with|to|called|call(?:ed)? with)\s+([A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)")
_NOTE_COMPANY = re.compile(r"\(([A-Z][\w&.\- ]{1,40})\)|\bat\s+([A-Z][\w&\-]+(?:\s+[A-Z][\w&\-]+){0,2})")


def name_from_address(email: str) -> str:
    """"ed.park@acme.com" -> "Ed Park" (for people who sent no display name)."""
    local = email.split("@")[0]
    return " ".join(p.capitalize() for p in re.split(r"[._\-+]+", local) if p) or email


def company_of(email: str) -> str:
    """The grouping key of a deal: the email domain, or the address itself for free mail."""
    email = email.lower()
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    if not domain:
        return email
    return email if domain in FREE_MAIL_DOMAINS else domain


def _domain_core(domain: str) -> str:
    """The registrable label of a domain, letters and digits only: "mail.harbor-outfitters.co.uk" ->
    "harboroutfitters" (what a company's written name is checked against)."""
    parts = domain.lower().split(".")
    if len(parts) < 2:
        return re.sub(r"[^a-z0-9]", "", domain.lower())
    core = parts[-3] if len(parts) >= 3 and len(parts[-2]) <= 3 and len(parts[-1]) == 2 else parts[-2]
    return re.sub(r"[^a-z0-9]", "", core)


_SLUG = re.compile(r"[^a-z0-9]")
_SUFFIX = re.compile(r"(?:inc|llc|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|bv|plc|group|pty|srl)+$")
_DISPLAY_ORG = re.compile(r"^\s*(?P<name>[^()\[\]|]+?)\s*(?:\((?P<p>[^()]{2,60})\)|\[(?P<b>[^\[\]]{2,60})\]"
                          r"|\|\s*(?P<bar>[^|]{2,60})|\s[-\u2013\u2014]\s(?P<dash>.{2,60})|\s+at\s+(?P<at>.{2,60}))\s*$")
_NOT_ORG = re.compile(  # what else people put in brackets after their name: pronouns, channels, departments
    r"^(?:via\b|external|ext\.?$|guest|he/|she/|they/|mobile|cell|work|home|personal|sent from|"
    r"(?:sales|support|marketing|legal|finance|procurement|purchasing|it|hr|admin|office|team|ops|operations|"
    r"billing|accounts?|accounting|engineering|security|customer success|contractor|consultant|intern)$)",
    re.IGNORECASE)
_SIG_SPLIT = re.compile(r"\s*(?:[,|\u00b7\u2022/]|\s[-\u2013\u2014]\s|\bat\b)\s*")
_SIG_LINES = 15  # a signature is at the end of the writer's own text


def _names_domain(text: str, core: str) -> bool:
    """Does `text` spell the domain's company ("Harbor Outfitters Inc." for harboroutfitters.com)?"""
    slug = _SLUG.sub("", text.lower())
    return bool(core) and len(core) >= 3 and (slug == core or _SUFFIX.sub("", slug) == core
                                               or (slug.startswith(core) and _SUFFIX.fullmatch(slug[len(core):])
                                                   is not None))


def _clean(org: str) -> str:
    return " ".join(org.split()).strip(" ,;:-\u2013\u2014.")[:60]


def organisation(name: str, email: str, body: str = "") -> str:
    """The company a correspondent writes for, as they write it: from their display name ("Ed Marsh (Harbor
    Outfitters)", "Ed Marsh | Harbor Outfitters"), else from a signature line of their own mail that spells
    their email domain ("VP Operations, Harbor Outfitters" for ed@harboroutfitters.com); "" when neither says.
    A signature line counts only when it spells the domain, so the rep's own signature in quoted history,
    a job title or a street never becomes the company."""
    m = _DISPLAY_ORG.match(name or "")
    if m is not None:
        org = _clean(next(g for g in (m.group("p"), m.group("b"), m.group("bar"), m.group("dash"), m.group("at"))
                          if g))
        if org and "@" not in org and not _NOT_ORG.match(org) and any(ch.isalpha() for ch in org):
            return org
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    if not domain or domain in FREE_MAIL_DOMAINS or not body:
        return ""
    core = _domain_core(domain)
    lines = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith(">")]
    for line in reversed(lines[-_SIG_LINES:]):
        if len(line) > 120:
            continue
        for part in _SIG_SPLIT.split(line):
            if _names_domain(part, core) and any(ch.isupper() for ch in part):
                return _clean(part)
    return ""


def display_name(name: str) -> str:
    """A display name without the company it carries: "Ed Marsh (Harbor Outfitters)" -> "Ed Marsh"."""
    m = _DISPLAY_ORG.match(name or "")
    return m.group("name").strip() if m is not None and organisation(name, "") else (name or "").strip()


def organisation_of(message: Message, mine: frozenset[str]) -> tuple[str, str] | None:
    """(deal key, company name) a message tells about its other party: a buyer's mail by their display name
    or signature; the rep's mail by the display name it addresses them with. None when it tells nothing."""
    if message.direction == "received":
        people = [(message.sender, message.body)] if message.sender.email.lower() not in mine else []
    elif message.direction == "sent":
        people = [(a, "") for a in message.recipients if a.email and a.email.lower() not in mine]
    else:
        return None
    for person, body in people:
        org = organisation(person.name, person.email, body)
        if org:
            return company_of(person.email), org
    return None


def company_label(company: str, name: str = "", org: str = "") -> str:
    """How a company reads: the name its people write (`org`, from a display name or a signature), else the
    domain as written ("harboroutfitters.com", never a guessed "Harboroutfitters"); a free-mail person
    reads as their name."""
    if org:
        return org
    if "@" in company:
        return name or company
    return company


def other_party(direction: str, sender_email: str, sender_name: str, recipients: Iterable[Sequence[str]],
                mine: frozenset[str]) -> tuple[str, str] | None:
    """The other party of one message: (email, name), or None when it names no one but the rep."""
    if direction == "received":
        if sender_email and sender_email.lower() not in mine:
            return sender_email.lower(), sender_name
        return None
    for email, name in recipients:
        if email and email.lower() not in mine:
            return email.lower(), name
    if direction == "note" and sender_email and sender_email.lower() not in mine:
        return sender_email.lower(), sender_name
    return None


def party_of_message(message: Message, mine: frozenset[str]) -> tuple[str, str] | None:
    return other_party(message.direction, message.sender.email, message.sender.name,
                       ((a.email, a.name) for a in message.recipients), mine)


def party_of_mail(mail: Mail, mine: frozenset[str]) -> tuple[str, str] | None:
    return other_party(mail.direction, mail.sender_email, mail.sender_name, mail.recipients, mine)


def counterpart(promise: Mail, thread: Sequence[Mail], mine: frozenset[str],
                known: Callable[[], list[tuple[str, str]]]) -> tuple[str, str, str]:
    """(email, name, company) a promise is with: the message's other party; for a note with no address,
    the thread's other party, else the name and company the note itself gives ("VM from Pat (Fabrikam)")."""
    party = party_of_mail(promise, mine)
    if party is None:
        for other in reversed(thread):
            if other.direction != "note" and (party := party_of_mail(other, mine)) is not None:
                break
    if party is not None:
        email, name = party
        return email, display_name(name) or name_from_address(email), company_of(email)
    text = f"{promise.subject}\n{promise.body}"
    name_m = _NOTE_NAME.search(text)
    comp_m = _NOTE_COMPANY.search(text)
    name = name_m.group(1) if name_m else ""
    company = (comp_m.group(1) or comp_m.group(2)).strip() if comp_m else ""
    email = ""
    if name or company:
        email, company = known_party(known(), name, company)
    return email, name or company or "unknown", company or name.lower() or "unknown"


def known_party(correspondents: Iterable[tuple[str, str]], name: str, company: str) -> tuple[str, str]:
    """Match a note's "Kim at Contoso" to a stored address (kim@contoso.com) when there is one."""
    first = name.split()[0].lower() if name else ""
    slug = re.sub(r"[^a-z0-9]", "", company.lower())
    best_email, best_company = "", company
    for email, sender_name in correspondents:
        email = email.lower()
        m_name = sender_name.lower()
        domain = email.rsplit("@", 1)[-1]
        label = _domain_core(domain)
        domain_fits = bool(slug) and (label == slug or domain.split(".")[0] == slug)
        name_fits = bool(first) and (m_name.split()[:1] == [first] or re.split(r"[._\-+]", email)[0] == first)
        if domain_fits and name_fits:
            return email, company_of(email)
        if domain_fits and not best_email:
            best_company = company_of(email)
        if name_fits and not slug and not best_email:
            best_email, best_company = email, company_of(email)
    return best_email, best_company
