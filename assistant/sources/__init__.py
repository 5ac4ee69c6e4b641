"""Mail sources: one small protocol (`base.MailSource`), one module per adapter."""
