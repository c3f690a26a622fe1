"""Calendar of scheduled work: events, iCalendar feeds (C3)."""
