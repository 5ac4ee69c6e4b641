"""Follow-through: makes sure every promise in a sales rep's mailbox gets a next step."""

__version__ = "0.1.0"
