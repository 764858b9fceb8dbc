"""Dates per second: feedvault's parse_date against the standard library on the forms both
read (RFC 822 via email.utils, RFC 3339 via fromisoformat), and on the forms only it reads.

    python benchmarks/bench_dates.py [N]

The common forms are on the ingest path (two dates an item); the rest are tried only after
the common ones fail, so their cost is paid only by the feeds that write them.
"""

from __future__ import annotations

import email.utils
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from feedvault.parse.dates import parse_date  # noqa: E402

RFC822 = ["Sun, 18 Oct 2020 14:33:00 +0800", "Sat, 17 Oct 2020 09:05:12 GMT",
          "Wed, 17 Jan 2018 15:50:00 -0500"]
RFC3339 = ["2020-10-18T14:33:00Z", "2020-10-18T14:33:00.123+08:00", "2020-10-18T14:33:00-04:00"]
ODD = ["mar., 01 déc. 2020 16:11:02 +0000", "2004-05-25 오후 11:23:17", "Nov. 16, 2020, 10:57 a.m.",
       "Thu, 25 Feb 2016 00:00:00 Europe/Brussels", "２０２４年２月３日 １０:３４", "2009-W01-1"]


def _rate(parse: Callable[[str], object], samples: list[str], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        for text in samples:
            parse(text)
    return n * len(samples) / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rows: list[tuple[str, float, float | None]] = [
        ("RFC 822", _rate(parse_date, RFC822, n),
         _rate(email.utils.parsedate_to_datetime, RFC822, n)),
        ("RFC 3339", _rate(parse_date, RFC3339, n), _rate(datetime.fromisoformat, RFC3339, n)),
        ("other forms", _rate(parse_date, ODD, n), None),
    ]
    print(f"{'form':<12} {'feedvault/s':>12} {'stdlib/s':>12} {'ratio':>6}")
    for name, ours, theirs in rows:
        base = f"{theirs:>12,.0f} {ours / theirs:>6.2f}" if theirs else f"{'-':>12} {'-':>6}"
        print(f"{name:<12} {ours:>12,.0f} {base}")


if __name__ == "__main__":
    main()
