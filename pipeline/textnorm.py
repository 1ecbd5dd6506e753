"""Small pure text helpers shared by stages: folding for comparison, apostrophes and quotes."""
from __future__ import annotations

import re
import unicodedata

APOSTROPHES = "'’ʼ`´‘"
_APOS = str.maketrans({ch: "'" for ch in APOSTROPHES})
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case-folded, NFC, one apostrophe, single spaces: for comparing surface forms."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text).translate(_APOS)).strip().casefold()


def strip_accents(text: str) -> str:
    """Text without combining marks ("Tokaïev" -> "Tokaiev")."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
