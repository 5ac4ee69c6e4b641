"""`assistant login gmail|outlook|imap --account NAME`: run the provider's real sign-in flow and keep
the tokens (a 0600 file in the config dir, or the keyring when the account sets `keyring = true`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.cli.common import config_option, console, edge, load
from assistant.config import AccountConfig, Config
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant import auth

PROVIDER_KIND = {"gmail": "gmail", "outlook": "outlook", "imap": "imap"}


def _pick_account(config: Config, provider: str, name: str | None) -> AccountConfig:
    kind = PROVIDER_KIND[provider]
    if name:
        account = config.account(name)
        if account.kind != kind:
            raise ConfigError(f"account {name!r} is kind = {account.kind!r}, not {kind!r}: "
                              f"run `assistant login {account.kind} --account {name}`")
        return account
    matching = [a for a in config.accounts if a.kind == kind]
    if len(matching) == 1:
        return matching[0]
    where = config.source_path or "config.toml"
    if not matching:
        raise ConfigError(f"no account with kind = {kind!r} in {where}: add an [[accounts]] table first")
    raise ConfigError(f"several {kind} accounts in {where}: name one with --account "
                      f"({', '.join(a.name for a in matching)})")


def imap_login(account: AccountConfig, config: Config, store: auth.TokenStore, password: str, *,
               check: bool = True) -> None:
    """Keep the IMAP password in the token store, after checking it against the server (one login).
    The probe lives here, with login: auth keeps tokens and never builds a mail source."""
    from assistant import auth
    from assistant.sources.imap import ImapSource

    auth.register_secret(password)
    if check:
        probe_account = AccountConfig(account.name, account.kind, account.mode,
                                      {k: v for k, v in account.options.items() if k not in ("password_env",)}
                                      | {"password": password})
        probe = ImapSource(probe_account, config, token_store=auth.TokenStore(store.path.with_suffix(".probe")))
        try:
            probe._conn()
        finally:
            probe.close()
    auth.save_imap_password(account.name, store, password)


@click.command("login")
@click.argument("provider", type=click.Choice(sorted(PROVIDER_KIND)))
@click.option("--account", "account_name", default=None, help="The [[accounts]] name (default: the only one).")
@click.option("--flow", type=click.Choice(["device", "browser"]), default="device", show_default=True,
              help="Microsoft: device code (works over SSH) or a local browser redirect.")
@click.option("--no-browser", is_flag=True, help="Google: print the sign-in address instead of opening it.")
@click.option("--no-check", is_flag=True, help="IMAP: keep the password without trying it on the server.")
@config_option
@edge
def login(provider: str, account_name: str | None, flow: str, no_browser: bool, no_check: bool,
          config_path: Path | None) -> None:
    """Sign in to an account and keep its token for the watcher."""
    from assistant import auth  # (here: its sign-in libraries are for this command only)

    config = load(config_path)
    account = _pick_account(config, provider, account_name)
    store = auth.token_store_for(account)
    oauth = str(account.options.get("auth", "password")).lower() == "xoauth2"
    if provider == "gmail" or (provider == "imap" and oauth and
                               account.options.get("oauth_provider", "google") == "google"):
        scopes = auth.GOOGLE_SCOPES if provider == "gmail" else auth.GOOGLE_IMAP_SCOPES
        auth.google_login(account, store, scopes=scopes, open_browser=not no_browser, provider=provider)
        who = ""
    elif provider == "outlook" or (provider == "imap" and oauth):
        scopes = auth.MICROSOFT_SCOPES if provider == "outlook" else auth.MICROSOFT_IMAP_SCOPES
        if flow == "device":
            who = auth.microsoft_device_login(account, store, lambda text: console.print(text, highlight=False),
                                              scopes=scopes, provider=provider)
        else:
            who = auth.microsoft_browser_login(account, store, scopes=scopes, provider=provider)
    else:
        password = click.prompt(f"IMAP password for {account.options.get('username') or config.rep.email}",
                                hide_input=True, err=True)
        imap_login(account, config, store, password, check=not no_check)
        who = str(account.options.get("username") or config.rep.email)
    from datetime import UTC, datetime

    from assistant.status import record_signed_in

    record_signed_in(config, account.name, datetime.now(UTC))
    console.print(f"Signed in {provider} account {account.name!r}{f' as {who}' if who else ''}; "
                  f"token kept in {store.where()}.", highlight=False)


def register(group: click.Group) -> None:
    """Add this module's commands to `group`."""
    group.add_command(login)
