"""Builds cases.jsonl from the hand-written emails in this folder: each *.eml.txt holds a message body,
a line `=====OWN=====`, then the author's own text as a person reading it would mark it (no quoted history,
no forwarded block, no signature/sign-off, no disclaimer)."""
import json
import pathlib

here = pathlib.Path(__file__).parent
with (here / "cases.jsonl").open("w") as f:
    for p in sorted(here.glob("*.eml.txt")):
        body, _, own = p.read_text().partition("\n=====OWN=====\n")
        f.write(json.dumps({"name": p.name.removesuffix(".eml.txt"), "text": body, "own": own.strip()}) + "\n")
print(len(list(here.glob("*.eml.txt"))), "cases")
