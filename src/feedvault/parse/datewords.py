"""The words of dates: month names in the languages feeds are written in, and time zones.

Month names are looked up after folding (lower case, accents dropped, a final ``.`` gone),
whole word first, then English three-letter prefixes. Only names that mean one month in
every language listed are here: French ``mar.`` (mardi) is a weekday, so a bare ``mar``
means March only where a day and year sit around it as a month (the patterns see to that).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_H = 3600

# Fixed offsets, seconds east of UTC.
ZONES: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": _H, "IST": 5 * _H + 1800,
    "EST": -5 * _H, "EDT": -4 * _H, "CST": -6 * _H, "CDT": -5 * _H,
    "MST": -7 * _H, "MDT": -6 * _H, "PST": -8 * _H, "PDT": -7 * _H,
    "AKST": -9 * _H, "AKDT": -8 * _H, "HST": -10 * _H, "AST": -4 * _H, "ADT": -3 * _H,
    "NST": -3 * _H - 1800, "NDT": -2 * _H - 1800,
    "CET": _H, "CEST": 2 * _H, "MET": _H, "MEST": 2 * _H, "EET": 2 * _H, "EEST": 3 * _H,
    "WEST": _H, "MEZ": _H, "MESZ": 2 * _H,
    "MSK": 3 * _H, "HKT": 8 * _H, "SGT": 8 * _H, "MYT": 8 * _H, "PHT": 8 * _H,
    "AWST": 8 * _H, "CCT": 8 * _H, "JST": 9 * _H, "KST": 9 * _H, "WIB": 7 * _H, "ICT": 7 * _H,
    "ACST": 9 * _H + 1800, "AEST": 10 * _H, "AEDT": 11 * _H, "NZST": 12 * _H, "NZDT": 13 * _H,
}
# Zones without a season: standard or daylight time follows the date (US "PT" = PST/PDT).
SEASONAL: dict[str, str] = {
    "PT": "America/Los_Angeles", "MT": "America/Denver", "CT": "America/Chicago",
    "ET": "America/New_York", "AT": "America/Halifax", "AKT": "America/Anchorage",
    "HT": "Pacific/Honolulu",
}
CHINA = 8 * _H

_MONTH_WORDS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "jaenner", "janner", "enero", "ene",
        "gennaio", "gen", "janeiro", "januari", "styczen", "ianuarie", "ιανουαριου",
        "ιανουαριος", "ιαν", "tammikuu", "ocak"),
    2: ("february", "feb", "fevrier", "fevr", "fev", "februar", "febrero", "febbraio",
        "fevereiro", "februari", "luty", "φεβρουαριου", "φεβρουαριος", "φεβ", "subat",
        "helmikuu"),
    3: ("march", "mars", "marz", "maerz", "mrz", "marzo", "marco", "maart", "maret", "mart",
        "marca", "μαρτιου", "μαρτιος", "μαρ", "maaliskuu", "mar"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile", "kwiecien", "απριλιου",
        "απριλιος", "απρ", "nisan", "huhtikuu"),
    5: ("may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj", "μαιου", "μαιος", "μαι",
        "mayis", "toukokuu"),
    6: ("june", "jun", "juin", "juni", "junio", "giugno", "giu", "junho", "czerwiec",
        "ιουνιου", "ιουνιος", "ιουν", "haziran", "kesakuu"),
    7: ("july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug", "julho", "lipiec",
        "ιουλιου", "ιουλιος", "ιουλ", "temmuz", "heinakuu"),
    8: ("august", "aug", "aout", "agosto", "ago", "agustus", "augustus", "sierpien",
        "αυγουστου", "αυγουστος", "αυγ", "agustos", "elokuu"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set",
        "setembro", "wrzesien", "σεπτεμβριου", "σεπτεμβριος", "σεπ", "eylul", "syyskuu"),
    10: ("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott", "outubro",
         "out", "pazdziernik", "οκτωβριου", "οκτωβριος", "οκτ", "ekim", "lokakuu"),
    11: ("november", "nov", "novembre", "noviembre", "novembro", "listopad", "νοεμβριου",
         "νοεμβριος", "νοε", "kasim", "marraskuu"),
    12: ("december", "dec", "decembre", "dezember", "dez", "diciembre", "dic", "dicembre",
         "dezembro", "desember", "grudzien", "δεκεμβριου", "δεκεμβριος", "δεκ", "aralik",
         "joulukuu"),
}
# Hungarian names, written with accents that folding keeps distinct enough.
_HUNGARIAN = ("januar", "februar", "marcius", "aprilis", "majus", "junius", "julius",
              "augusztus", "szeptember", "oktober", "november", "december")
_ENGLISH = {w[:3]: n for n, w in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), 1)}


@lru_cache(maxsize=512)
def fold(word: str) -> str:
    """Lower case without accents or a final dot: ``Mär.`` -> ``mar``, ``Ιούλ`` -> ``ιουλ``."""
    decomposed = unicodedata.normalize("NFKD", word.lower().rstrip("."))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


MONTHS: dict[str, int] = {}
for _number, _words in _MONTH_WORDS.items():
    for _word in _words:
        MONTHS.setdefault(fold(_word), _number)
for _number, _word in enumerate(_HUNGARIAN, 1):
    MONTHS.setdefault(_word, _number)

def month_number(word: str) -> int | None:
    """The month a name means, or None: whole folded word, else an English prefix."""
    folded = fold(word)
    found = MONTHS.get(folded)
    if found is not None:
        return found
    if folded.isascii() and len(folded) >= 3:
        prefix = _ENGLISH.get(folded[:3])
        if prefix is not None and _ENGLISH_NAMES[prefix - 1].startswith(folded):
            return prefix
    return None


_ENGLISH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december")


@lru_cache(maxsize=256)
def named_zone(name: str) -> ZoneInfo | None:
    """An IANA zone (``Europe/Brussels``, ``Etc/GMT+5``) or a seasonal US abbreviation."""
    key = SEASONAL.get(name.upper(), name)
    if "/" not in key or len(key) > 64:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
