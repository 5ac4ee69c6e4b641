"""The first sync of a Microsoft 365 mailbox without Graph's 5,000-message `$filter` cap (issue 14).

Fills the local Graph fake (tests/fakes/graph.py, over https, the real msal sign-in and requests code) with
an Inbox of N messages spread over a year, W of them in the last 90 days, and runs the Outlook source's first
sync. Prints what it hands out, the delta requests (the whole folder is listed, ids and dates only) and the
downloads, and - for comparison - what the `$filter`ed first round the adapter used before would have
returned (the fake caps it at 5,000 in no set order, as Graph documents). Wall time is against a local fake,
so it shows the adapter's own cost, not Graph's latency.

    .venv/bin/python bench/graph_first_sync.py [--messages 12000] [--window 5500] [--page-size 50]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def mail(i: int, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = f"buyer{i % 50}@acme.test", "rep@contoso.test"
    msg["Subject"] = f"message {i}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="contoso.test")
    msg.set_content(f"Body of message {i}.")
    return msg.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=12_000)
    parser.add_argument("--window", type=int, default=5_500, help="messages in the last 90 days")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()

    from assistant import auth
    from assistant.config import AccountConfig, Config, RepConfig
    from assistant.sources.outlook import OutlookSource
    from tests.fakes.graph import FakeGraph

    now = datetime.now(UTC)
    fake = FakeGraph(email="rep@contoso.test")
    fake.page_size = 1000  # the fake's own small default would hide the adapter's page size
    with tempfile.TemporaryDirectory() as tmp:
        fake.start_tls(tmp)
        try:
            for i in range(args.messages):
                if i < args.window:
                    when = now - timedelta(days=89) * (i / args.window)
                else:
                    when = now - timedelta(days=91) - timedelta(days=270) * ((i - args.window) / args.messages)
                fake.add(mail(i, when), folder="inbox", received=when)
            account = AccountConfig("o", "outlook", options={
                "client_id": "cid", "authority": fake.authority, "graph_url": fake.graph_url,
                "ca_file": fake.ca_path, "page_size": args.page_size})
            config = Config(rep=RepConfig(email="rep@contoso.test"), accounts=(account,))
            tokens = auth.TokenStore(Path(tmp) / "tokens.json")
            auth.microsoft_device_login(account, tokens, lambda text: None)
            src = OutlookSource(account, config, token_store=tokens)
            fake.requests.clear()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            handed = sum(len(b.messages) for b in src.fetch({}))
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            deltas = sum(1 for r in fake.requests if r.path.endswith("/delta"))
            values = sum(1 for r in fake.requests if r.path.endswith("/$value"))

            # the round the adapter ran before issue 14: $filter=receivedDateTime ge (now - 90 days)
            since = (now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
            link: str | None = (f"{fake.graph_url}/me/mailFolders/inbox/messages/delta?"
                                f"$filter={quote(f'receivedDateTime ge {since}')}")
            filtered = 0
            while link:
                page = src._get(link, "bench").json()
                filtered += len(page.get("value", []))
                link = page.get("@odata.nextLink")
            src.close()
        finally:
            fake.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inbox of {args.messages:,} messages, {args.window:,} in the last 90 days, page size {args.page_size}")
    print(f"handed out: {handed:,} (expected {args.window:,}): {'all' if handed == args.window else 'MISSING MAIL'}")
    print(f"delta requests: {deltas:,} (sent items + inbox); downloads ($value): {values:,}")
    print(f"the $filter-ed round used before: {filtered:,} of {args.window:,} "
          f"({args.window - filtered:,} never read)")
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s (local fake, https), peak RSS {rss:.0f} MB (fake included)")


if __name__ == "__main__":
    main()
