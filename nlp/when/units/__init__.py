"""The expression classes of `nlp.when`, one module each; `nlp.when.registry` lists them."""
