"""Request-side helpers for accounts: the safe `next=` check."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next_path(target: str | None) -> str | None:
    """Return target if it is a local absolute path on this site, else None.

    Accepts only '/…' with no scheme, no host, no backslash, no control character and no leading
    '//' (a protocol-relative URL), even after percent-decoding the leading characters.
    """
    if not target or len(target) > 2000:
        return None
    if _UNSAFE_CHARS.search(target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    lowered = target.lower()
    if lowered.startswith(("/%2f", "/%5c", "/%09", "/%0a", "/%0d")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
