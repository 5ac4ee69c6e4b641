"""Calendar writers: one small protocol (`base.CalendarWriter`), one module per adapter."""
