"""`assistant resolve`: the JSON Lines contract (one answer per input line, in order; bad lines answered with an
error object on stdout and a message on stderr; exit 0)."""

from __future__ import annotations

import io
import json
from datetime import datetime

from click.testing import CliRunner

from assistant.cli import main
from assistant.cli.resolve_cmd import resolve_line, run


def _run(lines: list[str]) -> tuple[list[dict[str, object]], str, int]:
    result = CliRunner().invoke(main, ["resolve"], input="\n".join(lines) + "\n")
    out = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    return out, result.stderr, result.exit_code


def test_answers_every_line_in_order_and_reports_bad_ones() -> None:
    good = {"id": "a", "text": "call Thursday at 8:15", "reference": "2026-11-18T14:30", "timezone": "America/New_York"}
    lines = [
        json.dumps(good),
        "this is not json",
        json.dumps({"id": "b", "text": "tomorrow"}),
        json.dumps({"id": "c", "text": "tomorrow", "reference": "2026-11-18T14:30", "timezone": "Mars/Base"}),
        json.dumps({"id": "d", "text": "tomorrow", "reference": "last tuesday", "timezone": "UTC"}),
        json.dumps({"id": "e", "text": "3/4", "reference": "2026-11-18T14:30", "timezone": "America/New_York",
                    "date_order": "DMY"}),
        json.dumps({"id": "f", "text": "nothing to see", "reference": "2026-11-18T14:30", "timezone": "UTC"}),
        json.dumps({"id": "g", "text": "x", "reference": "2026-11-18T14:30", "timezone": "UTC", "date_order": "YMD"}),
        json.dumps(["not", "an", "object"]),
    ]
    out, err, code = _run(lines)
    assert code == 0
    assert len(out) == len(lines)
    assert out[0] == {"id": "a", "value": "2026-11-19T08:15:00-05:00", "grain": "minute"}
    assert out[1]["id"] is None and "not JSON" in str(out[1]["error"])
    assert out[2]["id"] == "b" and "reference" in str(out[2]["error"]) and "timezone" in str(out[2]["error"])
    assert out[3]["id"] == "c" and "Mars/Base" in str(out[3]["error"])
    assert out[4]["id"] == "d" and "reference" in str(out[4]["error"])
    assert out[5] == {"id": "e", "value": "2027-04-03T00:00:00-04:00", "grain": "day"}
    assert out[6] == {"id": "f", "value": None, "grain": None}
    assert out[7]["id"] == "g" and "date_order" in str(out[7]["error"])
    assert out[8]["id"] is None and "error" in out[8]
    assert [x.split(":")[0] for x in err.splitlines()] == ["line 2", "line 3", "line 4", "line 5", "line 8", "line 9"]


def test_naive_reference_is_wall_time_in_the_zone_and_aware_is_converted() -> None:
    naive = resolve_line(json.dumps({"id": 1, "text": "at 3", "reference": "2026-11-18T14:30",
                                     "timezone": "Europe/London"}))
    aware = resolve_line(json.dumps({"id": 2, "text": "at 3", "reference": "2026-11-18T14:30:00+00:00",
                                     "timezone": "America/New_York"}))
    assert naive["value"] == "2026-11-18T15:00:00+00:00"
    # 14:30 UTC is 09:30 in New York: "at 3" is 3 pm there
    assert aware["value"] == "2026-11-18T15:00:00-05:00"
    assert datetime.fromisoformat(str(aware["value"])).utcoffset() is not None


def test_blank_lines_are_skipped_and_run_counts_bad_lines() -> None:
    inp = io.StringIO('\n{"id": 1}\n\n{"id": 2, "text": "noon", "reference": "2026-01-01T09:00", "timezone": "UTC"}\n')
    out, err = io.StringIO(), io.StringIO()
    assert run(inp, out, err) == 1
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [a["id"] for a in answers] == [1, 2]
    assert answers[1]["value"] == "2026-01-01T12:00:00+00:00"
    assert "line 2" in err.getvalue()
