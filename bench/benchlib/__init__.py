"""Shared pieces of the side-by-side benchmarks and the reliability campaign.

``bench/run.py`` (the benchmark) and ``bench/reliability.py`` (the fault campaign) are the entry
points; this package holds their parts, one job per module:

* :mod:`.sandbox_proc` — the sandbox (and the caching replay proxy, ``child_replay.py``) in a
  separate process (its own GIL);
* :mod:`.stats` — medians, spreads, ratios;
* :mod:`.pacer` — keeps every contender's requests inside the venues' budgets;
* :mod:`.frames` — the DataFrame builders the bare baseline and the peer share;
* :mod:`.bare`, :mod:`.peer`, :mod:`.ours` — the three contenders (aiohttp, ccxt, xtoolkit);
* :mod:`.harness` — the interleaved, paced measurement loop;
* :mod:`.probes` — fresh-process measurements (import time, memory — ``child_*_rss.py`` —,
  exchange switch, the blocking facade's hop, stream latency via ``bench/stream_latency.py``);
* :mod:`.profiling` — where xtoolkit's per-call time goes (cProfile);
* :mod:`.goals`, :mod:`.report` — goals met or missed, ``RESULTS.md`` and ``results.json``;
* :mod:`.campaign` — the reliability campaign: :mod:`.campaign_work` (the clients' mixed calls),
  :mod:`.campaign_faults` (the fault injector, the ban watch), :mod:`.campaign_trace` (client-side
  send times), :mod:`.campaign_checks` (the invariants).
"""
