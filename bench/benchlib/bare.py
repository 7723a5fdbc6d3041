"""The physical limit: one pooled aiohttp session, ``json.loads``, a DataFrame built directly.

Same URLs and parameters as xtoolkit sends, same output columns; nothing else — no symbol
resolution, no rate limiting, no retries, no error typing. Signed calls use a hand-rolled
HMAC-SHA256 (Binance) and a hand-rolled HS256 JWT (Upbit).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
import pandas as pd

from benchlib.frames import Quote, balances_frame, book_frame, compare_frame, premium_frame, tickers_frame
from benchlib.harness import BASES

__all__ = ["Bare"]

_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _symbols_param(natives: Sequence[str]) -> str:
    return quote(json.dumps(list(natives), separators=(",", ":")), safe="")


class Bare:
    """The bare-aiohttp contender. ``requests`` counts what it sent per venue."""

    def __init__(self, url: str, keys: dict[str, tuple[str, str]]) -> None:
        self.url = url
        self.keys = keys
        self.requests: Counter[str] = Counter()
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _get(self, venue: str, path_query: str, headers: dict[str, str] | None = None) -> Any:
        assert self._session is not None
        self.requests[venue] += 1
        async with self._session.get(self.url + path_query, headers=headers) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"{venue} {path_query.split('?')[0]} -> HTTP {resp.status}")
        return json.loads(body)

    # --- one market ---------------------------------------------------------------------

    async def tickers20(self, venue: str) -> list[pd.DataFrame]:
        """20 one-market ticker calls at once."""
        return list(await asyncio.gather(*(self.ticker(venue, b) for b in BASES)))

    async def ticker(self, venue: str, base: str = "BTC") -> pd.DataFrame:
        if venue == "binance":
            rows = await self._get(
                "binance", f"/api/v3/ticker/24hr?symbols={_symbols_param([base + 'USDT'])}"
            )
            t = rows[0]
            return tickers_frame(
                "binance",
                {
                    "symbol": [f"{base}/USDT"],
                    "bid": [t["bidPrice"]],
                    "bid_qty": [t["bidQty"]],
                    "ask": [t["askPrice"]],
                    "ask_qty": [t["askQty"]],
                    "last": [t["lastPrice"]],
                    "volume_24h": [t["volume"]],
                    "quote_volume_24h": [t["quoteVolume"]],
                    "change_24h_pct": [t["priceChangePercent"]],
                    "ts": [t["closeTime"]],
                },
            )
        tick, book = await asyncio.gather(
            self._get("upbit", f"/v1/ticker?markets=KRW-{base}"),
            self._get("upbit", f"/v1/orderbook?markets=KRW-{base}&count=1"),
        )
        t, top = tick[0], book[0]["orderbook_units"][0]
        return tickers_frame(
            "upbit",
            {
                "symbol": [f"{base}/KRW"],
                "bid": [top["bid_price"]],
                "bid_qty": [top["bid_size"]],
                "ask": [top["ask_price"]],
                "ask_qty": [top["ask_size"]],
                "last": [t["trade_price"]],
                "volume_24h": [t["acc_trade_volume_24h"]],
                "quote_volume_24h": [t["acc_trade_price_24h"]],
                "change_24h_pct": [t["signed_change_rate"] * 100.0],
                "ts": [t["timestamp"]],
            },
        )

    async def orderbook(self, venue: str, depth: int) -> pd.DataFrame:
        if venue == "binance":
            p = await self._get("binance", f"/api/v3/depth?symbol=BTCUSDT&limit={depth}")
            return book_frame("binance", "BTC/USDT", p["bids"], p["asks"], int(time.time() * 1000))
        p = (await self._get("upbit", f"/v1/orderbook?markets=KRW-BTC&count={depth}"))[0]
        units = p["orderbook_units"][:depth]
        bids = [(u["bid_price"], u["bid_size"]) for u in units]
        asks = [(u["ask_price"], u["ask_size"]) for u in units]
        return book_frame("upbit", "BTC/KRW", bids, asks, p["timestamp"])

    # --- signed -------------------------------------------------------------------------

    def _binance_signed(self, query: str) -> tuple[str, dict[str, str]]:
        key, secret = self.keys["binance"]
        query = f"{query}&recvWindow=5000&timestamp={int(time.time() * 1000)}"
        sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return f"{query}&signature={sig}", {"X-MBX-APIKEY": key}

    def _upbit_token(self) -> str:
        key, secret = self.keys["upbit"]
        claims = _b64(json.dumps({"access_key": key, "nonce": str(uuid.uuid4())}).encode())
        signing = _JWT_HEADER + b"." + claims
        sig = _b64(hmac.new(secret.encode(), signing, hashlib.sha256).digest())
        return (signing + b"." + sig).decode()

    async def balances(self, venue: str) -> pd.DataFrame:
        if venue == "binance":
            query, headers = self._binance_signed("omitZeroBalances=true")
            p = await self._get("binance", f"/api/v3/account?{query}", headers)
            bs = p["balances"]
            return balances_frame(
                "binance", [b["asset"] for b in bs], [b["free"] for b in bs], [b["locked"] for b in bs]
            )
        headers = {"Authorization": f"Bearer {self._upbit_token()}"}
        bs = await self._get("upbit", "/v1/accounts", headers)
        return balances_frame(
            "upbit", [b["currency"] for b in bs], [b["balance"] for b in bs], [b["locked"] for b in bs]
        )

    # --- 20 bases across both venues ----------------------------------------------------

    async def _quotes(self, bases: Sequence[str]) -> tuple[dict[str, Quote], dict[str, Quote], Quote]:
        natives = [f"{b}USDT" for b in bases]
        markets = ",".join([f"KRW-{b}" for b in bases] + ["KRW-USDT"])
        bn, tick, book = await asyncio.gather(
            self._get("binance", f"/api/v3/ticker/24hr?symbols={_symbols_param(natives)}"),
            self._get("upbit", f"/v1/ticker?markets={markets}"),
            self._get("upbit", f"/v1/orderbook?markets={markets}&count=1"),
        )
        binance = {
            f"{t['symbol'][:-4]}/USDT": (
                float(t["bidPrice"]),
                float(t["askPrice"]),
                float(t["lastPrice"]),
                t["closeTime"],
            )
            for t in bn
        }
        tops = {b["market"]: b["orderbook_units"][0] for b in book}
        upbit: dict[str, Quote] = {}
        for t in tick:
            top = tops[t["market"]]
            upbit[f"{t['market'][4:]}/KRW"] = (
                top["bid_price"],
                top["ask_price"],
                t["trade_price"],
                t["timestamp"],
            )
        return binance, upbit, upbit.pop("USDT/KRW")

    async def compare(self, bases: Sequence[str]) -> pd.DataFrame:
        binance, upbit, fx = await self._quotes(bases)
        return compare_frame(bases, binance, upbit, fx)

    async def premium(self, bases: Sequence[str]) -> pd.DataFrame:
        binance, upbit, fx = await self._quotes(bases)
        return premium_frame(bases, binance, upbit, fx)
