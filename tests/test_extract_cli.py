"""`assistant extract`: the JSON Lines contract (one line out per line in, same order, errors in place)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.cli.extract_cmd import run

GOOD = {"text": "I'll call you Wednesday at 10:45 if I haven't heard back.", "sent_at": "2026-11-02T09:00:00-05:00",
        "timezone": "America/New_York", "direction": "sent"}


def test_contract_through_the_real_command() -> None:
    lines = [json.dumps({"id": "a", **GOOD}), "{not json", json.dumps({"id": "c", **GOOD, "timezone": "Mars/Base"}),
             json.dumps({"id": "d", **GOOD, "direction": "received", "text": "Could you resend the deck?"})]
    p = subprocess.run([sys.executable, "-m", "assistant", "extract"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", "d"]
    [got] = out[0]["commitments"]
    assert {k: v for k, v in got.items() if k not in ("rule", "confidence")} == {
        "who": "me", "action": "call", "due": "2026-11-04T10:45:00-05:00", "due_has_time": True,
        "conditional": True, "vague": False,
        "text": "I'll call you Wednesday at 10:45 if I haven't heard back.",
    }
    # the contract gains two fields and loses none
    assert got["rule"] == "subject_modal" and 0.0 <= got["confidence"] <= 1.0
    assert "error" in out[1] and "error" in out[2] and out[3]["commitments"] == []
    assert "line 2" in p.stderr and "Mars/Base" in p.stderr


def test_explain_names_the_rule_that_fired_and_the_filter_that_rejected() -> None:
    text = "I'll send the deck by Friday. Shall I book a room? I'll be happy to walk you through it."
    p = subprocess.run([sys.executable, "-m", "assistant", "extract", "--explain"],
                       input=json.dumps({"id": "e", **GOOD, "text": text}) + "\n", capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert "+ subject_modal: \"I'll send the deck by Friday.\"" in p.stdout
    assert "rejected by question" in p.stdout and "rejected by offer" in p.stdout
    assert "=> me send" in p.stdout and "rule=subject_modal" in p.stdout


line = st.one_of(
    st.builds(lambda i, t, d: json.dumps({"id": i, **GOOD, "text": t, "direction": d}),
              st.integers(), st.text(max_size=300), st.sampled_from(["sent", "received", "note", "x"])),
    st.text(alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=50),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(line, max_size=80), st.integers(min_value=1, max_value=7))
def test_order_and_count_match_input(lines: list[str], batch: int) -> None:
    data = "".join(x + "\n" for x in lines)
    out, err = io.StringIO(), io.StringIO()
    run(io.StringIO(data), out, err, batch_size=batch)
    given_lines = [x for x in data.splitlines(keepends=True) if x.strip()]
    got = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(got) == len(given_lines)
    for src, res in zip(given_lines, got, strict=True):
        try:
            obj = json.loads(src)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "id" in obj:
            assert res["id"] == obj["id"]
        assert ("commitments" in res) != ("error" in res)
