"""Where the product keeps its files: the config dir (config.toml, tokens.json) and the data dir (the
store and its backups). The lowest layer: the config and the store both ask it; it asks nothing."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "follow-through"


def config_dir() -> Path:
    return Path(os.environ.get("FOLLOW_THROUGH_CONFIG_DIR") or platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("FOLLOW_THROUGH_DATA_DIR") or platformdirs.user_data_dir(APP))
