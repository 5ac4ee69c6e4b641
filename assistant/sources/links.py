"""The link back to a message, in the client it came from: the one place that decides it, per source kind.

- gmail: Gmail's web search by RFC 822 Message-ID (`https://mail.google.com/mail/#search/rfc822msgid:...`),
  which finds the message in whichever account the browser is signed in to; without a Message-ID, the
  thread by Gmail's thread id (`#all/<threadId>`).
- outlook: the `webLink` Graph gives for the message (Outlook on the web), kept by the adapter in
  `RawMessage.link`; a message stored without one (a retry of a failed parse) gets the same Outlook on the web
  address built from its Graph id.
- imap and local mail (Maildir, mbox): a `message:` URL (RFC 2392 style, `message:%3Cid%3E`), which Apple Mail,
  Outlook for Mac and Thunderbird (with an add-on) open.
- local voicemail notes: the note's own file (`file://` URL), which the adapter, the one that knows the path,
  hands over in `RawMessage.link`.

Every link is checked against the schemes above (`safe_link`), so a provider's value can never become a
`javascript:` or `data:` link on the page or the calendar."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from assistant.models import RawMessage

GMAIL_WEB = "https://mail.google.com/mail/"
OUTLOOK_WEB = "https://outlook.office365.com/owa/"
SCHEMES = ("https://", "http://", "message:", "file://")


def safe_link(link: str) -> str:
    """`link` when it is one of the kinds this module makes (https, message:, file://), else ""."""
    link = link.strip()
    if not link or any(ch.isspace() or ord(ch) < 32 for ch in link):
        return ""
    return link if link.lower().startswith(SCHEMES) else ""


def mail_url(rfc_message_id: str) -> str:
    """`message:%3Cid%3E`: opens the message in Apple Mail, Outlook for Mac, Thunderbird (with an add-on)."""
    return "message:%3C" + quote(rfc_message_id, safe="@.-_+!$") + "%3E" if rfc_message_id else ""


def file_url(path: str) -> str:
    """A `file://` URL for an absolute path (a voicemail note)."""
    return Path(path).as_uri() if path and Path(path).is_absolute() else ""


def gmail_url(rfc_message_id: str, thread_id: str = "") -> str:
    """Gmail on the web: the message by its Message-ID, else its thread by Gmail's thread id."""
    if rfc_message_id:
        return f"{GMAIL_WEB}#search/" + quote(f"rfc822msgid:{rfc_message_id}", safe=":@")
    if thread_id:
        return f"{GMAIL_WEB}#all/" + quote(thread_id, safe="")
    return ""


def outlook_url(graph_id: str) -> str:
    """Outlook on the web for a Graph message id (the form Graph's own `webLink` takes)."""
    if not graph_id:
        return ""
    return f"{OUTLOOK_WEB}?ItemID={quote(graph_id, safe='')}&exvsurl=1&viewmodel=ReadMessageItem"


def message_link(kind: str, raw: RawMessage, rfc_message_id: str) -> str:
    """The link back to a message read by a source of `kind` ("gmail", "outlook", "imap", "local")."""
    if kind == "gmail":
        link = gmail_url(rfc_message_id, raw.provider_thread_id)
    elif kind == "outlook":
        link = safe_link(raw.link) or outlook_url(raw.source_id)
    elif raw.direction_hint == "note":
        link = raw.link if raw.link.startswith("file://") else ""
    else:  # imap, local Maildir / mbox, and any mail a client opens by Message-ID
        link = mail_url(rfc_message_id)
    return safe_link(link)
