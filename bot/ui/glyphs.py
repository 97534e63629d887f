"""Which characters a font can draw, so that text in pictures leaves out what would otherwise
come out as empty boxes (emoji, mostly: DejaVu has none; CJK too)."""

from __future__ import annotations

import functools
import unicodedata

# combining marks, joiners and variation selectors: they belong to the character before them
# (the rest of an emoji sequence, an accent), so they go where it goes, without a trace
_ATTACHED = frozenset({"Mn", "Me", "Cf"})


@functools.cache
def font_glyphs(path: str) -> frozenset[int]:
    """The code points the font file at ``path`` maps to a glyph (its cmap, read by FreeType;
    a character outside it would be drawn as the font's "missing glyph" box)."""
    from matplotlib.ft2font import FT2Font  # FreeType, shipped with matplotlib

    return frozenset(code for code, glyph in FT2Font(path).get_charmap().items() if glyph)


def drawable(text: str, glyphs: frozenset[int]) -> str:
    """``text`` on one line without the characters outside ``glyphs``, spaces collapsed; a
    character left out leaves a space (words stay apart), a mark or joiner after it nothing."""
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) in _ATTACHED:
            if ord(char) in glyphs and kept and not kept[-1].isspace():
                kept.append(char)
        else:
            kept.append(char if ord(char) in glyphs else " ")
    return " ".join("".join(kept).split())
