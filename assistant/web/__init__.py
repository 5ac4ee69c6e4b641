"""The local review page (`assistant serve`): the suggestion queue, the deals board, the weekly reports
and the next-action check, served on 127.0.0.1 behind a session token and CSRF-checked forms."""
