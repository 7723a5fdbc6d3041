"""API keys: where they come from and how they are kept out of sight.

Keys are read from explicit arguments, the process environment or a ``.env`` file — never from
notebook literals we would then echo. A :class:`Credentials` never shows its secret: its repr,
``str`` and pickled form carry at most the last four characters of the key.

Key types (``Credentials.key_type``):

``"hmac"``
    an API key and its secret (Binance HMAC-SHA256, Upbit's JWT HS256);
``"ed25519"`` / ``"rsa"``
    a Binance key pair: the API key Binance issued for an uploaded public key, and the
    matching **private key** in PEM (PKCS#8; an encrypted PEM takes a passphrase). Binance
    recommends Ed25519; RSA keys are 2048 or 4096 bit. The private key is loaded once, when
    the credentials are made, and only a signing object is kept: no PEM text, no path.

Environment variables (also read from ``.env``; the venue registry names them):

======================================  =====================================================
``BINANCE_API_KEY``                     the Binance API key (every key type)
``BINANCE_API_SECRET``                  its HMAC secret — or, instead:
``BINANCE_PRIVATE_KEY``                 an Ed25519 or RSA private key: the PEM text itself
                                        (real newlines, or ``\\n`` escapes on one line) or the
                                        path of a PEM file (``~`` expanded; relative paths
                                        from the working directory)
``BINANCE_PRIVATE_KEY_PASSPHRASE``      optional: the passphrase of an encrypted PEM
``UPBIT_ACCESS_KEY``/``UPBIT_SECRET_KEY``  Upbit's key pair (HMAC only)
======================================  =====================================================

Setting both ``BINANCE_API_SECRET`` and ``BINANCE_PRIVATE_KEY`` is refused (which one to use
would be a guess). In a ``.env`` file a PEM may span lines inside double or single quotes.
Every error about a private key names the variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xtoolkit._errors import InvalidArgument

__all__ = [
    "ENV_NAMES",
    "detached",
    "KEY_PAIR_TYPES",
    "KeyRules",
    "VENUE_KEYS",
    "Credentials",
    "load_credentials",
    "mask",
    "mask_url",
]

#: Key types that sign with a private key (Binance Ed25519/RSA).
KEY_PAIR_TYPES = ("ed25519", "rsa")
#: Smallest RSA key accepted (Binance takes 2048 and 4096 bit).
MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class KeyRules:
    """One venue's key variables and the key types it accepts (from its ``VenueSpec``)."""

    key_env: str
    secret_env: str
    private_key_env: str | None = None
    passphrase_env: str | None = None
    key_types: tuple[str, ...] = ("hmac",)


#: Environment variable names per exchange: (key variable, secret variable). Filled by the
#: exchange registry from each venue's ``credentials_env`` (this module sits below it).
ENV_NAMES: dict[str, tuple[str, str]] = {}
#: exchange -> :class:`KeyRules`, filled by the registry next to :data:`ENV_NAMES`.
VENUE_KEYS: dict[str, KeyRules] = {}


def detached(err: BaseException) -> BaseException:
    """``err`` without traceback, cause or context, to be raised afresh: the frames below it
    held key material (a PEM, the environment), which error reporters capturing locals would
    otherwise ship. The raiser also deletes its own locals that hold any."""
    err.__traceback__ = None
    err.__cause__ = None
    err.__context__ = None
    err.__suppress_context__ = True
    return err


def mask(value: str | None) -> str:
    """``'****a1b2'`` for a key; never more than the last four characters."""
    if not value:
        return "<none>"
    return "****" + value[-4:] if len(value) > 8 else "****"


def _pem_bytes(source: str | bytes, what: str) -> bytes:
    """The PEM bytes of ``source``: PEM text itself (``\\n`` escapes allowed) or a file's path."""
    if isinstance(source, bytes):
        text = source.decode("utf-8", errors="replace")
    elif isinstance(source, str):
        text = source
    else:
        raise InvalidArgument(f"{what} must be PEM text or the path of a PEM file")
    text = text.strip()
    if "-----BEGIN" in text:
        if "\n" not in text and "\\n" in text:  # one .env line with escaped newlines
            text = text.replace("\\n", "\n")
        return text.encode()
    failure: InvalidArgument | None = None
    try:
        path = Path(text).expanduser()
        data = path.read_bytes() if text and path.is_file() else None
    except (OSError, ValueError):
        data = None
    if data is None or b"-----BEGIN" not in data:
        # Neither PEM text nor a readable PEM file: say so without echoing what was given.
        failure = InvalidArgument(f"{what} is neither PEM text nor the path of a readable PEM file")
    if failure is not None:
        raise failure
    assert data is not None
    return data


def _load_private_key(source: str | bytes, passphrase: str | bytes | None, what: str) -> tuple[str, Any]:
    """``(key_type, signing key)`` of a PEM private key; errors name ``what``, never the key."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    pem = _pem_bytes(source, what)
    password = passphrase.encode() if isinstance(passphrase, str) else passphrase
    failure: InvalidArgument | None = None
    key: Any = None
    try:
        key = serialization.load_pem_private_key(pem, password=password or None)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted" or the reverse.
        failure = InvalidArgument(
            f"{what} is encrypted and needs its passphrase"
            if not password
            else f"{what} is not encrypted: leave the passphrase out"
        )
    except (ValueError, UnsupportedAlgorithm):  # a bad PEM, a wrong passphrase, an odd algorithm
        failure = InvalidArgument(f"{what} could not be loaded (not a PEM private key, or a wrong passphrase)")
    finally:
        del pem, password
    if failure is not None:
        raise failure  # outside the except block: chains nothing that held the PEM
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519", key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise InvalidArgument(f"{what} is a {key.key_size}-bit RSA key; Binance takes 2048 or 4096 bit")
        return "rsa", key
    raise InvalidArgument(f"{what} is not an Ed25519 or RSA private key")


class Credentials:
    """An API key and what signs with it, for one exchange.

    ``Credentials(key, secret)``: an HMAC pair (Binance API key + secret, Upbit access key +
    secret key). ``Credentials(key, private_key=pem_or_path, passphrase=None)``: a Binance
    Ed25519 or RSA key pair (see the module docs). :attr:`key_type` says which.

    The secret and the private key are excluded from ``repr``/``str``; pickling is refused.
    """

    __slots__ = ("_signer", "key", "key_type", "secret")

    key: str
    secret: str
    key_type: str

    def __init__(
        self,
        key: str,
        secret: str = "",
        *,
        private_key: str | bytes | None = None,
        passphrase: str | bytes | None = None,
        private_key_name: str = "private_key",
    ) -> None:
        if not isinstance(key, str) or not isinstance(secret, str):
            raise TypeError("Credentials key and secret must be strings")
        if not key.strip():
            raise ValueError("Credentials key must be non-empty")
        signer: Any = None
        if private_key is not None:
            if secret:
                del secret, private_key, passphrase
                raise InvalidArgument("give a secret (HMAC) or a private key (Ed25519/RSA), not both")
            failure: BaseException | None = None
            try:
                key_type, signer = _load_private_key(private_key, passphrase, private_key_name)
            except InvalidArgument as err:
                failure = detached(err)
            if failure is not None:
                del private_key, passphrase
                raise failure
            del private_key, passphrase
        else:
            if not secret.strip():
                raise ValueError("Credentials key and secret must be non-empty")
            if passphrase is not None:
                raise InvalidArgument("a passphrase goes with a private key, not with an HMAC secret")
            key_type = "hmac"
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "secret", secret)
        object.__setattr__(self, "key_type", key_type)
        object.__setattr__(self, "_signer", signer)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Credentials are immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Credentials are immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        if self.key_type != other.key_type or self.key != other.key:
            return False
        if self._signer is None:
            return self.secret == other.secret
        return _public_bytes(self._signer) == _public_bytes(other._signer)

    def __hash__(self) -> int:
        return hash((self.key, self.key_type))

    def __repr__(self) -> str:
        hidden = "private_key='****'" if self.key_type in KEY_PAIR_TYPES else "secret='****'"
        kind = "" if self.key_type == "hmac" else f", key_type={self.key_type!r}"
        return f"Credentials(key={mask(self.key)!r}, {hidden}{kind})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would otherwise write the secret to disk or to another process.
        raise TypeError("Credentials cannot be pickled; load them from the environment instead")

    def __copy__(self) -> Credentials:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Credentials:
        return self

    @property
    def is_key_pair(self) -> bool:
        """Whether these sign with a private key (Ed25519/RSA) rather than an HMAC secret."""
        return self._signer is not None

    def sign_with_key_pair(self, payload: bytes) -> bytes:
        """The raw signature of ``payload``: pure Ed25519, or RSASSA-PKCS1-v1_5 over SHA-256.

        Both are deterministic (Binance spec §12.2); encoding is the venue's business.
        """
        signer = self._signer
        if signer is None:
            raise InvalidArgument("these credentials hold an HMAC secret, not a private key")
        if self.key_type == "ed25519":
            return bytes(signer.sign(payload))
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return bytes(signer.sign(payload, padding.PKCS1v15(), hashes.SHA256()))

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
        only place the toolkit returns it. The process environment wins over the file.
        """
        name = exchange.lower()
        rules = VENUE_KEYS.get(name)
        if rules is None:
            names = ENV_NAMES.get(name)
            if names is None:
                raise ValueError(f"unknown exchange {exchange!r}; known: {sorted(ENV_NAMES)}")
            rules = KeyRules(*names)
        values = dict(read_env_file(env_file)) if env_file is not None else {}
        values.update(os.environ if env is None else env)
        failure: BaseException | None = None
        try:
            return cls._from_values(rules, values)
        except (ValueError, TypeError) as err:
            failure = detached(err)
        del values  # the whole environment: keep it out of the error's frames
        raise failure

    @classmethod
    def _from_values(cls, rules: KeyRules, values: Mapping[str, str]) -> Credentials | None:
        def get(var: str | None) -> str:
            return values.get(var, "").strip() if var else ""

        key, secret = get(rules.key_env), get(rules.secret_env)
        pem, passphrase = get(rules.private_key_env), get(rules.passphrase_env)
        if not (key or secret or pem or passphrase):
            return None
        if secret and pem:
            raise ValueError(
                f"both {rules.secret_env} (HMAC) and {rules.private_key_env} (Ed25519/RSA) are set; "
                "set only the one that goes with this API key"
            )
        if not key:
            raise ValueError(f"{rules.key_env} is not set (its partner is); set both or neither")
        if not secret and not pem:
            partner = rules.secret_env + (f" or {rules.private_key_env}" if rules.private_key_env else "")
            raise ValueError(f"{partner} is not set ({rules.key_env} is); set both or neither")
        if secret:
            if passphrase:
                raise ValueError(f"{rules.passphrase_env} is set but {rules.private_key_env} is not")
            return cls(key, secret)
        return cls(
            key,
            private_key=pem,
            passphrase=passphrase or None,
            private_key_name=str(rules.private_key_env),
        )


def _public_bytes(signer: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        signer.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def read_env_file(path: str | Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=value`` lines, ``export`` prefixes, quotes, ``#`` comments.

    A quoted value may span lines (a PEM private key). A missing file is an empty mapping
    (a ``.env`` is optional).
    """
    p = Path(path)
    if not p.is_file():
        return {}
    out: dict[str, str] = {}
    lines = iter(p.read_text(encoding="utf-8").splitlines())
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, _, value = line.partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and (len(value) < 2 or not value.endswith(value[0])):
            # A quoted value continues on the next lines up to its closing quote.
            quote, parts = value[0], [value[1:]]
            for more in lines:
                if more.rstrip().endswith(quote):
                    parts.append(more.rstrip()[:-1])
                    break
                parts.append(more)
            value = "\n".join(parts)
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[name.strip()] = value
    return out


def _credentials_of(name: str, value: Any) -> Credentials:
    if isinstance(value, Credentials):
        return value
    if isinstance(value, Mapping):
        return Credentials(**dict(value))
    return Credentials(*value)


def load_credentials(
    explicit: Mapping[str, Any] | None,
    exchanges: list[str],
    *,
    env_file: str | Path | None = ".env",
    use_env: bool = True,
) -> dict[str, Credentials]:
    """Resolve credentials per exchange: explicit arguments first, then environment / ``.env``.

    An explicit value is a :class:`Credentials`, a ``(key, secret)`` pair or a mapping of
    :class:`Credentials` arguments (``{"key": ..., "private_key": ..., "passphrase": ...}``).
    A key type the venue does not accept (an Ed25519 key for Upbit) is an ``InvalidArgument``.
    """
    out: dict[str, Credentials] = {}
    failure: BaseException | None = None
    value: Any = None
    try:
        for name, value in (explicit or {}).items():
            out[name.lower()] = _credentials_of(name, value)
        if use_env:
            for name in exchanges:
                if name not in out:
                    found = Credentials.from_env(name, env_file=env_file)
                    if found is not None:
                        out[name] = found
    except (ValueError, TypeError) as err:
        failure = detached(err)
    if failure is not None:
        # What the caller passed (a PEM, a secret) stays out of the error's frames.
        explicit, out, value = None, {}, None
        raise failure
    for name, creds in out.items():
        rules = VENUE_KEYS.get(name)
        if rules is not None and creds.key_type not in rules.key_types:
            raise InvalidArgument(
                f"{name} takes {' or '.join(rules.key_types)} keys, not {creds.key_type}", exchange=name
            )
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
