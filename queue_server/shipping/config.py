"""The hall file's `[city]` table: where this branch ships its log, and as whom.

    [city]
    url = "https://city.example.ua"     # the city server (https in production: docs/city.md, TLS)
    branch = "tsentr"                   # this branch's name at the city (`cherha city-branch add NAME`)
    token_file = "/etc/cherha/city.token"   # optional; else the CHERHA_CITY_TOKEN environment variable
    summary_seconds = 5                 # optional: how often the live summary goes (1-60)
    summary_on_change = true            # optional: also soon after a change in the hall, at most once a second
    retry_max_seconds = 60              # optional: the longest pause between tries while the city is away (1-600)
    config_seconds = 60                 # optional: how often the city's configuration version is asked for (1-3600)

The token itself never goes in the hall file (a file that is copied, mailed and committed): a `token` key
there is refused. Without a `[city]` table the hall runs alone, as it always did.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import ConfigError
from ..config_lines import locate

TOKEN_ENV = "CHERHA_CITY_TOKEN"
_BRANCH = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_KEYS = {"url", "branch", "token_file", "summary_seconds", "summary_on_change", "retry_max_seconds",
         "config_seconds"}


@dataclass(frozen=True)
class CitySettings:
    url: str  # without a trailing slash
    branch: str
    token: str
    summary_seconds: float = 5.0
    retry_max_seconds: float = 60.0  # the longest pause between two tries while the city cannot be reached
    summary_on_change: bool = True  # a summary also follows a change in the hall (false: metered LTE)
    config_seconds: float = 60.0  # how often the city's configuration version is asked for (shipping/config_pull.py)


def load_city_settings(path: Path, env: Mapping[str, str] = os.environ) -> CitySettings | None:
    """The `[city]` table of the hall file at `path`, or None when the hall runs alone."""
    text = path.read_text(encoding="utf-8")
    table = tomllib.loads(text).get("city")
    if table is None:
        return None

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(path, locate(text, ("city", key)), f"city.{key}: {message}")

    if not isinstance(table, dict):
        raise ConfigError(path, locate(text, ("city",)), "city: expected a table")
    if "token" in table:
        raise fail("token", "the branch token never goes in the hall file: put it in token_file or the "
                            f"{TOKEN_ENV} environment variable / токен філії не зберігають у файлі залу")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown setting {unknown[0]!r}")
    url = _string(table, "url", fail)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail("url", f"expected http(s)://host[:port], got {url!r}")
    branch = _string(table, "branch", fail)
    if not _BRANCH.match(branch):
        raise fail("branch", f"lower-case latin letters, digits, - or _, got {branch!r}")
    seconds = table.get("summary_seconds", 5.0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 1 <= seconds <= 60:
        raise fail("summary_seconds", "a number of seconds from 1 to 60")
    retry = table.get("retry_max_seconds", 60.0)
    if isinstance(retry, bool) or not isinstance(retry, int | float) or not 1 <= retry <= 600:
        raise fail("retry_max_seconds", "a number of seconds from 1 to 600")
    on_change = table.get("summary_on_change", True)
    if not isinstance(on_change, bool):
        raise fail("summary_on_change", "true or false")
    every = table.get("config_seconds", 60.0)
    if isinstance(every, bool) or not isinstance(every, int | float) or not 1 <= every <= 3600:
        raise fail("config_seconds", "a number of seconds from 1 to 3600")
    token = _token(table, path, env, fail)
    return CitySettings(url.rstrip("/"), branch, token, float(seconds), float(retry), on_change, float(every))


def _string(table: dict[str, Any], key: str, fail: Any) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(key, "required, a string")
    return value.strip()


def _token(table: dict[str, Any], path: Path, env: Mapping[str, str], fail: Any) -> str:
    if "token_file" in table:
        name = Path(_string(table, "token_file", fail))
        token_path = name if name.is_absolute() else path.parent / name
        try:
            token = token_path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise fail("token_file", f"cannot read {token_path}: {exc.strerror}") from None
    else:
        token = env.get(TOKEN_ENV, "").strip()
    if not token:
        raise fail("branch", f"no branch token: set token_file or the {TOKEN_ENV} environment variable")
    return token
