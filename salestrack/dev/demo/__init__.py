"""A demo sales organisation and 18 months of its selling, made through the services.

The org is Maven Hardware, named from the Maven Analytics sample data in salestrack/dev/data/: a
company team, two regions, three sales teams of four reps, their managers and an admin. The
selling is planned first as dated events (a lead comes in, a rep calls, a deal moves to Proposal,
slips, is won; see planner.py and opportunities.py), then the events run in date order through
the same services the pages and the API call, each told the moment it happens at (`at=`). Dates
are relative to today; the same seed on the same day gives the same data.
"""

from salestrack.dev.demo.org import DEMO_PASSWORD, logins
from salestrack.dev.demo.planner import build

__all__ = ["DEMO_PASSWORD", "build", "logins"]
