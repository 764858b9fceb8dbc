"""The one way feedvault downloads anything: deadline, byte cap, redirects, address guard.

A feed URL is untrusted input and the server at the other end may be hostile or broken, so
every fetch ends, with a result or a one-line FetchError, by ``policy.timeout`` and with at
most ``policy.max_bytes`` in memory, having connected only to addresses the guard accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from feedvault.errors import FetchError
from feedvault.fetch.address import AddressGuard, parse_ip_host
from feedvault.fetch.decode import decode_stream, decoders_for
from feedvault.fetch.many import run_many
from feedvault.fetch.policy import FetchPolicy
from feedvault.fetch.result import (
    FEED_ACCEPT,
    FetchRequest,
    FetchResult,
    HttpExchange,
    RetryLater,
    parse_retry_after,
)
from feedvault.fetch.transport import DEADLINE, GuardedTransport

__all__ = ["FEED_ACCEPT", "FetchRequest", "FetchResult", "Fetcher", "RetryLater"]

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Fetcher:
    """Thread-safe; one per process is enough (it keeps a connection pool)."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._guard = AddressGuard(self.policy.allow_networks)
        self._transport = GuardedTransport(
            self._guard, max_connections=self.policy.concurrency * 2
        )
        no_cookies = CookieJar(DefaultCookiePolicy(allowed_domains=[]))  # no state across feeds
        self._client = httpx.Client(
            transport=self._transport,
            trust_env=False,  # a proxy would connect on our behalf, past the guard
            follow_redirects=False,  # each hop is checked here
            cookies=no_cookies,
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate, br"},
        )

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """Download ``url``; raises FetchError (RetryLater for 429/503) naming the URL."""
        start = time.monotonic()
        deadline = start + self.policy.timeout
        token = DEADLINE.set(deadline)
        try:
            return self._follow(url, etag, last_modified, accept, start, deadline)
        except FetchError as exc:
            if exc.url is None:
                exc.url = url
            raise
        except httpx.TimeoutException:
            raise FetchError(
                f"timed out after {self.policy.timeout:g}s: {url}", url=url
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchError(f"fetch failed: {_describe(exc)}: {url}", url=url) from None
        except ValueError as exc:  # a URL the parsers refuse (IDNA, brackets): UnicodeError too
            raise FetchError(f"invalid URL in {url}: {_describe(exc)}", url=url) from None
        finally:
            DEADLINE.reset(token)

    def fetch_many(
        self,
        requests: Iterable[FetchRequest],
        on_done: Callable[[FetchRequest, FetchResult | FetchError], None],
        *,
        stop: threading.Event | None = None,
    ) -> None:
        """Fetch all, at most ``concurrency`` at once and ``per_host`` per host.

        ``on_done`` runs on the calling thread, one result at a time, so it may write to a
        database connection that belongs to that thread. Once ``stop`` is set (SIGTERM),
        nothing new starts and the requests in flight finish and are reported.
        """

        def one(request: FetchRequest) -> FetchResult:
            return self.fetch(
                request.url, etag=request.etag, last_modified=request.last_modified,
                accept=request.accept,
            )

        run_many(
            one, requests, on_done, self.policy.concurrency, self.policy.per_host, stop
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- one request, hop by hop ---

    def _follow(
        self, url: str, etag: str | None, last_modified: str | None, accept: str,
        start: float, deadline: float,
    ) -> FetchResult:
        current = first = self._checked_url(url)
        seen = {current}
        permanent = True
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        exchanges: list[HttpExchange] = []
        for _hop in range(self.policy.max_redirects + 1):
            left = max(deadline - time.monotonic(), 0.001)
            request = self._client.build_request("GET", current, headers=headers, timeout=left)
            # Straight to the transport: Client.send would parse Location itself, with
            # rules (no octal IPv4) other than the ones the guard applies below.
            response = self._transport.handle_request(request)
            exchanges.append(_exchange(request, response))
            try:
                location = response.headers.get("location")
                if response.status_code in REDIRECTS and location:
                    permanent = permanent and response.status_code in (301, 308)
                    current = self._checked_url(_join(current, location))
                    if current in seen:
                        raise FetchError(f"redirect loop at {current}", url=url)
                    seen.add(current)
                    continue
                moved = current if permanent and current != first else None
                return self._finish(
                    response, url, current, moved, start, deadline, tuple(exchanges)
                )
            finally:
                response.close()
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects}): {url}", url=url
        )

    def _checked_url(self, url: str) -> str:
        """``url`` if it is http(s) with a host; numeric IPv4 forms rewritten as browsers do."""
        try:
            parts = urlsplit(url.strip())
            host, port = parts.hostname or "", parts.port
        except ValueError:
            raise FetchError(f"invalid URL {url[:200]!r}") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(f"refused: only http and https URLs are fetched, not {url[:200]!r}")
        if not host:
            raise FetchError(f"invalid URL {url[:200]!r}: no host")
        if any(c in _FORBIDDEN_HOST or ord(c) < 0x21 or c == "\x7f" for c in host):
            raise FetchError(f"invalid URL {url[:200]!r}: bad character in the host")
        literal = parse_ip_host(host)
        if literal is not None and not self._guard.host_allowed(host):
            self._guard.check_address(host, literal)  # fail before any connection
        if literal is not None and literal.version == 4 and str(literal) != host:
            netloc = parts.netloc.rpartition("@")
            new = f"{netloc[0]}{netloc[1]}{literal}" + (f":{port}" if port else "")
            return parts._replace(netloc=new).geturl()
        return parts.geturl()

    def _finish(
        self, response: httpx.Response, url: str, final: str, moved: str | None,
        start: float, deadline: float, exchanges: tuple[HttpExchange, ...],
    ) -> FetchResult:
        status = response.status_code
        headers = response.headers
        retry_after = parse_retry_after(headers.get("retry-after"))
        if status in (429, 503):
            later = RetryLater(
                f"HTTP {status} {response.reason_phrase}, retry after "
                f"{'?' if retry_after is None else f'{retry_after:g}s'}: {url}",
                url=url, status=status, retry_after=retry_after,
            )
            later.exchanges = exchanges
            raise later
        if status in (304, 410):
            body = b""  # a 304 has no body by definition; a 410's body is not the feed
        elif 200 <= status < 300:
            body = self._read_body(response, url, deadline)
        else:
            error = FetchError(
                f"HTTP {status} {response.reason_phrase}: {url}", url=url, status=status
            )
            error.exchanges = exchanges
            raise error
        return FetchResult(
            url=url, final_url=final, status=status, content=body,
            content_type=headers.get("content-type"), etag=headers.get("etag"),
            last_modified=headers.get("last-modified"), not_modified=status == 304,
            permanent_redirect=moved, retry_after=retry_after,
            elapsed=time.monotonic() - start, gone=status == 410, exchanges=exchanges,
        )

    def _read_body(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(
                f"too large: Content-Length {int(declared)} exceeds the {cap}-byte cap: {url}",
                url=url,
            )
        decoders = decoders_for(response.headers.get("content-encoding"))
        raw = _capped_raw(response.iter_raw(), cap, url, deadline, self.policy.timeout)
        body = bytearray()
        for piece in decode_stream(raw, decoders):
            body += piece
            if len(body) > cap:
                raise FetchError(
                    f"too large: body exceeds the {cap}-byte cap after decompression: {url}",
                    url=url,
                )
            _check_deadline(deadline, url, self.policy.timeout)
        return bytes(body)


# Code points a URL host may not hold (WHATWG "forbidden domain code point", less the
# controls and space tested apart): such a host is refused before any name lookup.
_FORBIDDEN_HOST = frozenset('#%/<>?@\\^|"`{}')


def _exchange(request: httpx.Request, response: httpx.Response) -> HttpExchange:
    """The hop as it went over the wire: the URL as sent (non-ASCII percent-encoded, an IDN
    host in punycode), httpx's raw header lists (the names' case, their order, repeated
    fields: two Set-Cookie stay two)."""
    return HttpExchange(
        url=str(request.url), status=response.status_code, reason=response.reason_phrase,
        http_version=response.http_version,
        request_headers=_raw(request.headers.raw), response_headers=_raw(response.headers.raw),
    )


def _raw(items: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in items)


def _join(base: str, location: str) -> str:
    """The redirect target; a Location the URL parser refuses (``http://[::1``, an
    unbalanced bracket) is a FetchError naming it, not a ValueError."""
    try:
        return urljoin(base, location.strip())
    except ValueError:
        raise FetchError(f"invalid redirect to {location[:200]!r} from {base}") from None


def _capped_raw(
    chunks: Iterator[bytes], cap: int, url: str, deadline: float, timeout: float
) -> Iterator[bytes]:
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > cap:
            raise FetchError(f"too large: body exceeds the {cap}-byte cap: {url}", url=url)
        _check_deadline(deadline, url, timeout)
        yield chunk


def _check_deadline(deadline: float, url: str, timeout: float) -> None:
    if time.monotonic() > deadline:
        raise FetchError(f"timed out after {timeout:g}s: {url}", url=url)


def _describe(exc: Exception) -> str:
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"
