"""The HTML templates and their Jinja2 environment, shared by the web page and the standalone weekly
report (so that rendering a report does not import the web app). Autoescape is on for every template:
mail text is untrusted."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

WEB_DIR = Path(__file__).parent / "web"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def template_env() -> jinja2.Environment:
    """Jinja2 with autoescape on for every template (mail text is untrusted)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["local"] = lambda moment, tz, fmt="%a %d %b %Y, %H:%M": (
        moment.astimezone(ZoneInfo(tz)).strftime(fmt) if moment else ""
    )
    return env
