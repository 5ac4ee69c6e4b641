"""Pure NLP for Follow-through: text in, time expressions and commitments out. No I/O, nothing from
`assistant`. `nlp.when` resolves time expressions; `nlp.extract` finds promises; `nlp.quotes` strips
quoted replies and signatures."""

from nlp.when import TimeMention, find_times, resolve

__all__ = ["TimeMention", "find_times", "resolve"]
