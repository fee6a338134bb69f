"""Register text made safe for Markdown, for headings and captions built from the store.

Imports nothing of pages/.
"""

from __future__ import annotations

import re


def md_escape(text: object) -> str:
    """Text with Markdown's special characters escaped, for headings built from register data."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$])", r"\\\1", str(text))
