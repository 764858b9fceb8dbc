"""URL helpers shared by every stage: tracking parameters, identity, WHATWG serialisation.

Written by hand because the rules are ours (which parameters track, what makes two links the
same article); the standard library does the actual splitting and quoting.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urljoin, urlsplit

# Query parameters that only track the reader. Matched case-insensitively, on the name.
TRACKING_PARAMS = frozenset(
    {
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "at_link",
        "at_link_id",
        "at_link_type",
        "at_link_origin",
        "at_ptr_name",
        "at_format",
        "at_bbc_team",
        "at_profile_id",
        "at_brand",
        "at_tag",
        "at_source",
        "maca",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "cmpid",
        "smid",
        "smtyp",
        "xtor",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "sr_share",
        "spm",
        "wt.mc_id",
        "ito",
        "emc",
        "partner",
        "rss",
        "ref_src",
        "ref_url",
        "ncid",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "__twitter", "oly_", "vero_", "hmb_")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# Every tracking name and prefix: if none occurs in a query, no parameter can be one.
_TRACKING_NEEDLE = re.compile(
    "|".join(re.escape(n) for n in sorted(TRACKING_PARAMS | set(TRACKING_PREFIXES)))
)


def _may_track(query: str) -> bool:
    """False only when no parameter of ``query`` can be a tracking one: no name or prefix
    occurs, and nothing is %- or +-encoded that could spell one once decoded (one regex
    search instead of splitting and decoding every parameter of every link)."""
    lowered = query.lower()
    return "%" in lowered or "+" in lowered or _TRACKING_NEEDLE.search(lowered) is not None


def strip_tracking(url: str) -> str:
    """The URL without tracking query parameters; everything else is left byte for byte."""
    if not _may_track(url.partition("#")[0].partition("?")[2]):
        return url
    return _strip_tracking_general(url)


def _strip_tracking_general(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not is_tracking_param(k)]
    if len(kept) == len(pairs):
        return url
    return parts._replace(query=urlencode(kept, quote_via=quote, safe="/:,@")).geturl()


# http(s), a lower-case host without port or user, a path of characters that need no
# quoting, no query, no fragment: most article links.
_SIMPLE_URL = re.compile(r"https?://([a-z0-9.-]+)(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)?")


def canonical_url(url: str) -> str:
    """A key under which the same article's links compare equal.

    Scheme (http/https), host case, default ports, ``www.``-less? no: hosts are kept as they
    are apart from case, since www and bare hosts can be different sites. Tracking parameters,
    a trailing slash and an empty fragment do not make a different article.
    """
    url = url.strip()
    simple = _SIMPLE_URL.fullmatch(url)
    if simple is not None:  # what the general path gives for such a URL, 5x faster
        return simple.group(1) + (simple.group(2) or "").rstrip("/")
    return _canonical_url_general(url)


def _canonical_url_general(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _normalise_path(parts.path)
    pairs = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    ]
    query = urlencode(sorted(pairs), quote_via=quote, safe="/:,@")
    return SplitResult("", netloc, path, query, parts.fragment).geturl().removeprefix("//")


def _normalise_path(path: str) -> str:
    path = re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), path)
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    return path.rstrip("/")


def is_http(url: str) -> bool:
    """An http(s) URL by its scheme: the only links feedvault keeps from feeds and archives."""
    return url[:8].lower().startswith(("http://", "https://"))


def resolve(base: str | None, url: str | None) -> str | None:
    """``url`` made absolute against ``base``; unparsable input is returned as it is."""
    if not url:
        return url
    url = url.strip()
    if not base:
        return url
    try:
        return urljoin(base, url)
    except ValueError:
        return url


# --- WHATWG URL serialisation (what `new URL(link).href` gives in the archive format) ---

_PATH_SAFE = "!$&'()*+,-./:;=@_~%[]|^"  # %-escapes already present are kept as they are
_QUERY_SAFE = "!$&()*+,-./:;=?@_~%[]\\^`{|}"
_FRAGMENT_SAFE = "!#$&'()*+,-./:;=?@_~%[]\\^{|}"
_SPECIAL_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


def whatwg_href(url: str) -> str:
    """Serialise ``url`` the way a browser's ``new URL(url).href`` does, for special schemes.

    Lower-cases scheme and host, IDNA-encodes the host, drops the default port, gives an
    empty path a ``/`` and percent-encodes non-ASCII and spaces in path, query and fragment
    (UTF-8), leaving existing escapes alone. Anything it cannot parse is returned stripped.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _SPECIAL_PORTS or not parts.netloc:
        return url
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        host = host.lower()
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = (userinfo + "@" if userinfo else "") + host
    if port is not None and port != _SPECIAL_PORTS[scheme]:
        netloc += f":{port}"
    path = quote(parts.path.replace("\\", "/"), safe=_PATH_SAFE) or "/"
    out = f"{scheme}://{netloc}{path}"
    if parts.query or url.endswith("?") and not parts.fragment:
        out += "?" + quote(parts.query, safe=_QUERY_SAFE)
    if parts.fragment or url.endswith("#"):
        out += "#" + quote(parts.fragment, safe=_FRAGMENT_SAFE)
    return out
