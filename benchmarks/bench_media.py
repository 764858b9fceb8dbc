"""Media archiving on the corpus' images, served from loopback; feed ingest with media on/off.

    python benchmarks/bench_media.py                    # 2,000 entries in feeds of 50
    python benchmarks/bench_media.py --entries 5000 --per-host 2,16

The corpus has no image files (shared/corpus/SOURCES.md), only the image URLs its items show
(benchmarks/data.py's pool: 1,407 distinct ``<img src>`` in 913 Chinese items). Each of those
URLs is rewritten to a loopback server in its own process (127.0.0.1 only; nothing leaves the
machine) that serves an image generated for it beforehand with Pillow: the URL's format
(JPEG, PNG, GIF, WebP), the size its name states (``-300x234``) or a usual news size, photo-
like content, so files weigh what news images weigh. Generation is not timed.

Two fresh SQLite vaults ingest the same feed files (serial, ``workers = 0``: no worker
processes' noise): one with ``[media] enabled = false``, one with media on. With media on the
update's ingest ends at its last feed's result; the archive step (scan the new versions,
download, sniff, store) runs after that, in the same ``update``, and is timed on its own.
So the ingest figures must agree within noise: media never sit on ingest's path. All the
images are on one host, so the per-host politeness limit (``[fetch] per_host``, default 2)
bounds the download rate; ``--per-host`` runs the archive again at other limits (the corpus'
real images are spread over many hosts).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

# also escaped once more (``&lt;img src="..."&gt;``): the cleaner undoes double escaping
_MEDIA_TAG = re.compile(
    r"(?:<|&lt;)(?:img|source|video|audio|picture)\b.*?(?:>|&gt;)", re.IGNORECASE | re.DOTALL
)
_SOURCE_ATTR = re.compile(
    r"(\s(?:src|srcset|poster|data-src|data-srcset|data-original|data-lazy-src|"
    r"data-lazy-srcset|data-actualsrc|data-url)\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s>&]+)",
    re.IGNORECASE,
)
_SIZE_IN_NAME = re.compile(r"-(\d{2,4})x(\d{2,4})\.\w+(?:$|\?)")
_NEWS_SIZES = ((640, 360), (800, 450), (1024, 576), (600, 400), (300, 200), (150, 100))
_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@dataclass
class Timing:
    entries: int
    ingest_s: float
    archive_s: float = 0.0
    media: dict[str, Any] | None = None
    counts: dict[str, int] | None = None


def _format(url: str) -> str:
    path = url.split("?", 1)[0].lower()
    for ext in ("jpeg", "jpg", "png", "gif", "webp"):
        if path.endswith("." + ext):
            return "jpg" if ext == "jpeg" else ext
    return "jpg"


def _size(url: str, rng: random.Random) -> tuple[int, int]:
    found = _SIZE_IN_NAME.search(url)
    if found:
        return min(int(found.group(1)), 2000), min(int(found.group(2)), 2000)
    return rng.choice(_NEWS_SIZES)


def make_image(url: str) -> tuple[str, bytes]:
    """(extension, bytes) of a photo-like image for ``url``: gradient plus noise, distinct
    per URL (seeded by it), in the format its name says."""
    from PIL import Image, ImageDraw

    seed = int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    ext = _format(url)
    width, height = _size(url, rng)
    base = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), rng.uniform(20, 60))
    tint = Image.new("L", (width, height), rng.randrange(256))
    image = Image.merge("RGB", (base, noise, tint))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(3, 9)):  # shapes, so no two images are alike
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(10, 200), y + rng.randrange(10, 120)), colour)
    out = io.BytesIO()
    if ext == "jpg":
        image.save(out, "JPEG", quality=rng.choice((70, 80, 85)))
    elif ext == "webp":
        image.save(out, "WEBP", quality=75)
    elif ext == "gif":
        image.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, "GIF")
    else:  # a PNG in news is a graphic or a screenshot: fewer colours than a photo
        image.quantize(128).save(out, "PNG", optimize=False)
    return ext, out.getvalue()


def rewrite_feeds(feeds: Path, images: Path, base: str) -> tuple[int, int]:
    """Point every image source in the feed files (src, srcset, lazy-loading attributes,
    posters; absolute, protocol-relative or relative) at ``base`` and the items' links at
    ``base`` too, so nothing the archiver resolves can name another host; generate each
    image once into ``images``. Returns (distinct images, distinct origin hosts)."""
    mapping: dict[str, str] = {}

    def local(url: str) -> str:
        if url.startswith("data:"):
            return url
        clean = url.replace("&amp;", "&")
        if clean not in mapping:
            mapping[clean] = f"{hashlib.sha1(clean.encode()).hexdigest()[:20]}.{_format(clean)}"
        return f"{base}/{mapping[clean]}"

    def value(match: re.Match[str]) -> str:
        raw = match.group(2)
        quote = raw[0] if raw[:1] in ("'", '"') else ""
        inner = raw[1:-1] if quote else raw
        if "srcset" in match.group(1).lower():
            parts = [p.strip().split(None, 1) for p in inner.split(",") if p.strip()]
            inner = ", ".join(" ".join([local(p[0]), *p[1:]]) for p in parts)
        else:
            inner = local(inner.strip()) if inner.strip() else inner
        return f"{match.group(1)}{quote or chr(34)}{inner}{quote or chr(34)}"

    for path in sorted(feeds.glob("*.xml")):
        text = path.read_text("utf-8").replace("https://bench.example.org/", f"{base}/site/")
        text = _MEDIA_TAG.sub(lambda tag: _SOURCE_ATTR.sub(value, tag.group(0)), text)
        _only_loopback(text, base, path)
        path.write_text(text, "utf-8")
        _refs_only_loopback(path, base)
    with ProcessPoolExecutor() as pool:  # Pillow's encoders: seconds per hundred images
        made = pool.map(make_image, mapping, chunksize=16)
        for name, (_ext, data) in zip(mapping.values(), made, strict=True):
            (images / name).write_bytes(data)
    hosts = {url.split("/")[2].lower() for url in mapping if url.count("/") >= 2 and "//" in url}
    return len(mapping), len(hosts)


def _refs_only_loopback(path: Path, base: str) -> None:
    """The same check by the archiver's own reading: every image reference an entry of the
    feed file gives (media.refs over its raw and its cleaned HTML, against its link, as
    update/media.py scans a version) is on the loopback origin."""
    from feedvault.clean import clean_entry
    from feedvault.media.refs import image_refs
    from feedvault.parse import parse_feed

    for entry in parse_feed(path.read_bytes()).entries:
        raw, link = entry.content_html or "", entry.link
        shown = clean_entry(raw, base_url=link, link=link).html
        for ref in [*image_refs(raw, link), *image_refs(raw, link, shown=shown)]:
            if not ref.url.startswith(base):
                raise SystemExit(f"{path}: an image would be fetched from {ref.url[:200]}")


def _only_loopback(text: str, base: str, path: Path) -> None:
    """Refuse to run if any image source still names somewhere else: the archiver would
    resolve that host (a DNS query leaving the machine)."""
    for tag in _MEDIA_TAG.findall(text):
        for _name, raw in _SOURCE_ATTR.findall(tag):
            for url in re.split(r"[\s,\"']+", raw):
                if url and not url.startswith((base, "data:")) and not re.fullmatch(
                    r"\d+(?:\.\d+)?[wx]", url
                ):
                    raise SystemExit(f"{path}: an image source was not rewritten: {url[:200]}")


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map, **{f".{k}": v for k, v in _TYPES.items()}
    }

    def log_message(self, format: str, *args: object) -> None:
        return


def serve(directory: Path) -> None:
    """The image origin (its own process): 127.0.0.1 only; prints its port, serves until
    stdin closes."""
    handler = lambda *a: _Quiet(*a, directory=str(directory))  # noqa: E731
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


def ingest(work: Path, feeds: list[Path], *, media: bool, per_host: int) -> Timing:
    """A fresh vault ingests ``feeds``; with media, the archive step that follows is timed
    apart (it starts after the last feed's result)."""
    from feedvault.config import MediaSettings, Settings
    from feedvault.vault import open_vault

    work.mkdir(parents=True)
    settings = Settings(
        db=str(work / "vault.db"),
        allow_networks=("127.0.0.0/8",),
        workers=0,
        per_host=per_host,
        media=MediaSettings(enabled=media, dir=work / "vault.media"),
    )
    vault = open_vault(settings=settings)
    try:
        for path in feeds:
            vault.add_feed(str(path), slug=path.stem, update=False)
        last = [0.0]
        start = time.perf_counter()
        results = vault.update(on_result=lambda _r: last.__setitem__(0, time.perf_counter()))
        end = time.perf_counter()
        entries = sum(r.new for r in results)
        timing = Timing(entries, last[0] - start)
        if media:
            outcome = vault.updater.last_media
            timing.archive_s = end - last[0]
            timing.media = outcome.as_dict() if outcome is not None else None
            timing.counts = vault.store.media.counts()
        return timing
    finally:
        vault.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=2000)
    ap.add_argument("--per-host", default="2,16", help="comma-separated [fetch] per_host runs")
    ap.add_argument("--rounds", type=int, default=2, help="ingest-only rounds (best of)")
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    from benchmarks.data import write_feeds

    os.environ.pop("FEEDVAULT_MEDIA", None)  # the settings below decide
    limits = [int(x) for x in args.per_host.split(",") if x.strip()]
    with tempfile.TemporaryDirectory(prefix="feedvault-bench-media-") as tmp:
        work = Path(tmp)
        images = work / "images"
        images.mkdir()
        origin = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(images)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert origin.stdout is not None
            port = int(origin.stdout.readline())
            feeds_dir = work / "feeds"
            feeds = write_feeds(feeds_dir, args.entries)
            t0 = time.perf_counter()
            distinct, hosts = rewrite_feeds(feeds_dir, images, f"http://127.0.0.1:{port}")
            made = time.perf_counter() - t0
            sizes = [p.stat().st_size for p in images.iterdir()]
            print(f"# {args.entries:,} entries in {len(feeds)} feeds; {distinct:,} distinct images "
                  f"(from {hosts} origin hosts), {sum(sizes) / 1e6:.1f} MB, median "
                  f"{sorted(sizes)[len(sizes) // 2] / 1e3:.0f} kB; generated in {made:.0f} s",
                  file=sys.stderr)
            ingest(work / "warm-up", feeds[:2], media=False, per_host=2)  # imports, rules
            off: list[Timing] = []
            on: list[Timing] = []
            for i in range(args.rounds):  # interleaved, so a busy spell hits both alike
                off.append(ingest(work / f"off-{i}", feeds, media=False, per_host=2))
                on.append(ingest(work / f"on-{i}", feeds, media=True, per_host=limits[0]))
            on += [ingest(work / f"on-{limit}", feeds, media=True, per_host=limit)
                   for limit in limits[1:]]
        finally:
            if origin.stdin is not None:
                origin.stdin.close()
            origin.wait(timeout=10)
    report(args, off, on, limits, distinct)


def report(
    args: argparse.Namespace, off: list[Timing], on: list[Timing], limits: list[int], images: int
) -> None:
    best_off = min(t.ingest_s for t in off)
    rounds = len(off)
    best_on = min(on[:rounds], key=lambda t: t.ingest_s)
    entries = off[0].entries
    rows = [
        ("ingest, media off", f"{entries / best_off:,.0f} entries/s",
         f"best of {rounds}: {best_off:.2f} s"),
        ("ingest, media on", f"{entries / best_on.ingest_s:,.0f} entries/s",
         f"best of {rounds}: {best_on.ingest_s:.2f} s, "
         f"{best_on.ingest_s / best_off:.2f}x the time with media off"),
    ]
    raw: dict[str, Any] = {
        "entries": entries, "images": images, "ingest_off_s": [t.ingest_s for t in off],
        "ingest_on_s": [t.ingest_s for t in on[:rounds]],
    }
    for limit, t in zip(limits, [best_on, *on[rounds:]], strict=True):
        media = t.media or {}
        counts = t.counts or {}
        fetched = int(media.get("fetched", 0))
        rows += [
            (f"archive (per_host {limit})", f"{fetched / t.archive_s:,.1f} files/s",
             f"{fetched:,} files, "
             f"{int(media.get('stored_bytes', 0)) / 1e6 / t.archive_s:.1f} MB/s, "
             f"{t.archive_s:.1f} s; skipped {media.get('skipped', 0)}, "
             f"failed {media.get('failed', 0)}, pending {media.get('pending', 0)}"),
            (f"media bytes per entry (per_host {limit})",
             f"{counts.get('bytes', 0) / max(t.entries, 1):,.0f} B",
             f"{counts.get('files', 0):,} files, {counts.get('bytes', 0) / 1e6:.1f} MB stored"),
        ]
        raw[f"per_host_{limit}"] = {"ingest_s": t.ingest_s, "archive_s": t.archive_s,
                                    "media": media, "counts": counts}
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>18}  {note}")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1), "utf-8")


if __name__ == "__main__":
    main()
