"""`nlp.when`: find time expressions in text and resolve them against the moment of writing.

Pure functions, no I/O (the zone-to-country table is read once from `tzdata`). Each expression class is a
module of `nlp.when.units` that holds its surface forms (`UNITS`) and its resolution (`NORMALISERS`,
`DAY_READERS`, `MOMENT_READERS`), registered and ranked in `nlp.when.registry`; `nlp.when.resolver` only
composes atoms, applies the ranked steps and sets the flags. `find_times` returns every expression with its
character span (what the extractor attaches to promise clauses); `resolve` returns the one a text is about (the first not inside a condition).
Values are aware datetimes in the writer's zone, DST-correct via `zoneinfo` (a wall time in a DST gap moves
forward; an ambiguous one takes its first occurrence).

Conventions (documented in the README, tested in tests/test_when_cases.py):
- `has_time` says whether a clock moment was written: digits or clock words ("at 2", "half past three"), noon,
  midnight, and the business clock words EOD (23:59), COB (17:00) and "first thing" (09:00), grain "minute".
  A day part ("tomorrow afternoon", "Wed AM", "Friday around lunchtime", "this arvo") is a window: grain
  "hour", a representative time (09:00 / 12:00 / 14:00 / 18:00 / 20:00) inside `window_start`..`window_end`,
  `has_time` False. A date alone is that day's midnight, grain "day", `has_time` False. Callers that book
  a slot treat grains "minute" and "hour" as timed (a window still gives an hour to book);
- a day part without a day is the next one; one under way is today's when the text places the act inside it
  ("over lunch" said at noon, "in the afternoon" at three: from the next quarter hour), except a morning
  ("I'll call in the morning" said at 9:30 is tomorrow's);
- "end of day"/EOD is 23:59 with the window opening at 17:00; "close of business"/COB is 17:00; "first thing"
  is 09:00; a bare "at 9" reads business hours (7-11 am, 12 noon, 1-6 pm);
- a bare or "this" weekday is the next one, never today; "next Friday" is the Friday of next week;
- numeric dates are month-first in US/Canadian zones (and UTC), day-first elsewhere (`default_date_order`),
  unless `date_order` says otherwise or a weekday next to the date decides; dates without a year roll forward;
- minutes/hours offsets are elapsed time, days and longer are calendar steps;
- a named zone ("2pm Eastern", "3pm your time (Pacific)") is converted into the writer's zone; day words stay
  on the writer's calendar; "your time" without a zone keeps the writer's wall clock (the reader's is unknown);
- "the following Monday", "the week after", "the day after" count from the day named before them in the text
  ("the day after"/"the week after" alone count from today); a bare weekday that opens a range ("Tuesday
  through Friday") may be today;
- seasons are meteorological and follow the writer's hemisphere ("this summer" in Sydney starts in December);
  "the holidays" start on December 24, "after the holidays" is the first weekday from January 2;
- holidays come from the `holidays` package, in the calendar of `country` (else the writer's zone's country,
  else the first of US, GB, CA, AU, IE, NZ, IN that keeps the name): "Thanksgiving" in Toronto is October's;
  a name is its own date, "Christmas (observed)" the weekday it is observed on (see `nlp.when.holidays`);
- an hour with a day part takes its am/pm ("6 in the morning" 06:00, "one in the afternoon" 13:00, "11 at night"
  23:00, "2 at night" 02:00); ranges are read from their start ("3pm-4pm", "9-12pm" is 9 am, "10 - 22 August");
- zone abbreviations shared by several zones (IST, CST, BST, GST, AST) follow the writer's country
  (`nlp.when.units.zones.AMBIGUOUS`), else the default reading of the table (India, US Central, British
  Summer Time, Gulf, Atlantic);
- "shortly"/"in a bit"/"in a little while" are within the hour (a deadline an hour on); same-day anchors:
  "before I head home"/"before I leave the office" are today's close of business (17:00, a deadline), "once
  this meeting ends"/"after this call" an hour on;
- a bare "later" after the act it times ("I'll get back to you later") is later today (from an hour on to the
  end of the day), never in a farewell ("see you later"); "within the week/month" is a deadline at the end of
  that stretch; "the week after next" is two weeks on;
- written-out numbers: "ten to four", "at nineteen hundred", "in two and a half weeks", "in a day and a
  half"; "the twenty-first" (20th-31st) alone is a day of the month when the clause ends after it, a single
  ordinal word ("the fifth") only after a cue ("on the fifth");
- numeric dates year first may use dots or spaces and put the day in the middle when it cannot be a month
  ("2027.03.15", "2027 15 03"); "15 03 2027" and "15032027" follow the date order;
- a month and year alone ("9/2012", "May 2027") and a month name that is the whole text ("May") are that
  month; a timestamp keeps the year written after its clock ("Thu Oct 26 11:00:09 2023");
- mail shorthand is read: "tmrw", "2morrow", "tomo", "Wed AM", "this arvo", "EOW", "Tuesday week", and one-slip
  typos of weekday and month names ("wednsday", "febuary", "fridday") and of "tomorrow"/"tonight"/"morning"
  ("tomrrow monring", "tonigth");
  A writer zone of "UTC" is read as "unknown": the named zone's wall clock is kept.
Flags: `is_past`, `is_deadline` ("by", "before", "within"...), `is_after` ("after", "from"...),
`is_conditional_ref` (inside an "if/unless/in case" clause that has not ended yet).
Clause scope: every mention carries `clause` (index), `clause_start`/`clause_end` and `clause_condition`
(the if/unless/when/once/before/after/until word that makes its clause a condition, else None), from
`split_clauses` (`nlp.when.clauses`), which the extractor can call on its own."""

from nlp.when.clauses import Clause, clause_of, split_clauses
from nlp.when.lexicon import default_date_order
from nlp.when.resolver import TimeMention, find_times, resolve

__all__ = ["Clause", "TimeMention", "clause_of", "default_date_order", "find_times", "resolve", "split_clauses"]
