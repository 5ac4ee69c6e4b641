"""The `assistant` command. Like khal's cli.py: this package only parses arguments and prints;
the work lives in plain modules below it. Each feature registers its commands from its own module."""

from __future__ import annotations

import click

from assistant import __version__
from assistant.cli import (
    data_cmds,
    extract_cmd,
    login_cmd,
    resolve_cmd,
    review_cmds,
    team_cmds,
    track_cmds,
    watch_cmds,
)
from assistant.cli.common import Main


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assistant")
def main() -> None:
    """Follow-through: every promise in your mailbox gets a next step."""


for module in (resolve_cmd, extract_cmd, watch_cmds, login_cmd, track_cmds, review_cmds, data_cmds, team_cmds):
    module.register(main)
