"""Mail the source tests build: one home for a message big enough to cross `max_message_bytes`."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def big_mail(subject: str, attachment: int, to: str, when: datetime | None = None,
             domain: str = "example.com") -> bytes:
    """A buyer's mail with a short text and a PDF attachment of `attachment` bytes."""
    msg = EmailMessage()
    msg["From"], msg["To"] = "buyer@acme.test", to
    msg["Subject"] = subject
    if when is not None:
        msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content("Signed contract attached; we start Monday.")
    msg.add_attachment(b"%PDF" * (attachment // 4), maintype="application", subtype="pdf", filename="c.pdf")
    return msg.as_bytes()
