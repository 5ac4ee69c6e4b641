"""The tracker: every stored commitment becomes a tracked next step that moves through one lifecycle.

- `states`: the states, every allowed hop, the named sets of states, and `apply`/`change`, the one
  way a state changes (the pass, booking, the CLI review and the web page all use it);
- `repository`: every query of the tracker, returning typed records;
- `engine.track(store, config, now)`: one pass (new steps, kept/settled/held/due/broken/backlog,
  suggestions, out-of-office moves, snoozes that ended);
- rules, each a small pure module: `business` (working days and hours, holidays), `counterparts`,
  `outcomes` (kept, settled, out-of-office), `dedupe` (one follow-up per promise), `wording` (titles
  and the "why now" line), `slots` (free slots, the daily booking cap);
- `backlog` (history the rep dismisses) and `deals` (the deals board).
"""

from __future__ import annotations

from assistant.tracker.business import (
    BusinessHours,
    add_business_days,
    business_hours,
    next_business_slot,
    rep_zone,
    working_day_after,
)
from assistant.tracker.counterparts import company_label, company_of
from assistant.tracker.deals import Deal, deals
from assistant.tracker.engine import TrackResult, track
from assistant.tracker.states import TransitionError
from assistant.tracker.wording import OUT_OF_OFFICE_REASON

__all__ = [
    "OUT_OF_OFFICE_REASON", "BusinessHours", "Deal", "TrackResult", "TransitionError", "add_business_days",
    "business_hours", "company_label", "company_of", "deals", "next_business_slot", "rep_zone", "track",
    "working_day_after",
]
