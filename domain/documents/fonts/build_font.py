"""Build the shipped CJK font: WenQuanYi Micro Hei (Apache-2.0 / GPLv3 with font embedding exception), cut to
the GB 2312 character set (6,763 hanzi, punctuation, full-width forms) plus printable ASCII with fontTools, so the
shipped file stays around 1.2 MB instead of 5 MB. fpdf2 subsets it again to the glyphs each PDF uses.

Run once when the font changes (not at install time; the result is committed):

    apt-get download fonts-wqy-microhei && dpkg-deb -x fonts-wqy-microhei_*.deb x
    python domain/documents/fonts/build_font.py x/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

Characters outside GB 2312 (rare names) have no glyph in the subset and print as blanks; widen the set here if
a jurisdiction needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

OUT = Path(__file__).with_name("wqy-microhei-gb2312.ttf")


def gb2312() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.font_number = 0
    font = TTFont(source, fontNumber=0)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in gb2312()])
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
