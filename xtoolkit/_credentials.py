"""API keys: where they come from and how they are kept out of sight.

Keys are read from explicit arguments, the process environment or a ``.env`` file — never from
notebook literals we would then echo. A :class:`Credentials` never shows its secret: its repr,
``str`` and pickled form carry at most the last four characters of the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ENV_NAMES", "Credentials", "load_credentials", "mask", "mask_url"]

#: Environment variable names per exchange: (key variable, secret variable). Filled by the
#: exchange registry from each venue's ``credentials_env`` (this module sits below it).
ENV_NAMES: dict[str, tuple[str, str]] = {}


def mask(value: str | None) -> str:
    """``'****a1b2'`` for a key; never more than the last four characters."""
    if not value:
        return "<none>"
    return "****" + value[-4:] if len(value) > 8 else "****"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key pair for one exchange.

    ``key`` is the Binance API key or the Upbit access key; ``secret`` the matching secret.
    The secret is excluded from ``repr``/``str``/equality display and from pickling.
    """

    key: str
    secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not isinstance(self.secret, str):
            raise TypeError("Credentials key and secret must be strings")
        if not self.key.strip() or not self.secret.strip():
            raise ValueError("Credentials key and secret must be non-empty")

    def __repr__(self) -> str:
        return f"Credentials(key={mask(self.key)!r}, secret='****')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would otherwise write the secret to disk or to another process.
        raise TypeError("Credentials cannot be pickled; load them from the environment instead")

    @classmethod
    def from_env(
        cls,
        exchange: str,
        *,
        env: Mapping[str, str] | None = None,
        env_file: str | Path | None = None,
    ) -> Credentials | None:
        """Credentials for ``exchange`` from the environment (or a ``.env`` file), or ``None``.

        ``None`` here means "not configured" — a normal state for public-data use — and is the
        only place the toolkit returns it.
        """
        names = ENV_NAMES.get(exchange.lower())
        if names is None:
            raise ValueError(f"unknown exchange {exchange!r}; known: {sorted(ENV_NAMES)}")
        values = dict(read_env_file(env_file)) if env_file is not None else {}
        values.update(os.environ if env is None else env)
        key, secret = values.get(names[0], "").strip(), values.get(names[1], "").strip()
        if not key and not secret:
            return None
        if not key or not secret:
            missing = names[0] if not key else names[1]
            raise ValueError(f"{missing} is not set (its partner is); set both or neither")
        return cls(key, secret)


def read_env_file(path: str | Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``export`` prefixes, quotes, ``#`` comments.

    A missing file is an empty mapping (a ``.env`` is optional).
    """
    p = Path(path)
    if not p.is_file():
        return {}
    out: dict[str, str] = {}
    for raw in p.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[name.strip()] = value
    return out


def load_credentials(
    explicit: Mapping[str, Credentials | tuple[str, str]] | None,
    exchanges: list[str],
    *,
    env_file: str | Path | None = ".env",
    use_env: bool = True,
) -> dict[str, Credentials]:
    """Resolve credentials per exchange: explicit arguments first, then environment / ``.env``."""
    out: dict[str, Credentials] = {}
    for name, value in (explicit or {}).items():
        out[name.lower()] = value if isinstance(value, Credentials) else Credentials(*value)
    if use_env:
        for name in exchanges:
            if name not in out:
                found = Credentials.from_env(name, env_file=env_file)
                if found is not None:
                    out[name] = found
    return out


def mask_url(url: str) -> str:
    """``url`` with any ``user:password@`` (proxy credentials) replaced by ``***@``.

    Reprs, logs and journals show base URLs through this; a URL that cannot be parsed is
    shown as ``<unparseable url>`` rather than risk echoing what it holds.
    """
    from yarl import URL

    try:
        parsed = URL(url)
    except (TypeError, ValueError):
        return "<unparseable url>"
    if parsed.user is None and parsed.password is None:
        return url
    host = parsed.raw_host or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{parsed.explicit_port}" if parsed.explicit_port is not None else ""
    rest = parsed.raw_path if parsed.raw_path != "/" or url.rstrip().endswith("/") else ""
    return f"{parsed.scheme}://***@{host}{port}{rest}"
