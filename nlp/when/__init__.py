"""`nlp.when`: find time expressions in text and resolve them against the moment of writing.

Pure functions, no I/O. `find_times` returns every expression with its character span (what the extractor
attaches to promise clauses); `resolve` returns the one a text is about. Values are aware datetimes in the
writer's zone, DST-correct via `zoneinfo`."""

from nlp.when.lexicon import default_date_order
from nlp.when.resolver import TimeMention, find_times, resolve

__all__ = ["TimeMention", "default_date_order", "find_times", "resolve"]
