"""Excel's cell styles and theme colours, as xlsxwriter format properties."""

from __future__ import annotations

import colorsys

from defusedxml import ElementTree as ET

from .parts import NS as _NS

BORDERS = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6,
            "hair": 7, "mediumDashed": 8, "dashDot": 9, "mediumDashDot": 10,
            "dashDotDot": 11, "mediumDashDotDot": 12, "slantDashDot": 13}
PATTERNS = ["none", "solid", "mediumGray", "darkGray", "lightGray", "darkHorizontal",
             "darkVertical", "darkDown", "darkUp", "darkGrid", "darkTrellis",
             "lightHorizontal", "lightVertical", "lightDown", "lightUp", "lightGrid",
             "lightTrellis", "gray125", "gray0625"]
UNDERLINE = {"single": 1, "double": 2, "singleAccounting": 33, "doubleAccounting": 34}
HALIGN = {"left": "left", "center": "center", "right": "right", "fill": "fill",
           "justify": "justify", "centerContinuous": "center_across",
           "distributed": "distributed"}
VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify",
           "distributed": "vdistributed"}
# Excel's theme colour index order swaps the first two pairs of the scheme.
_THEME_ORDER = ["lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4",
                "accent5", "accent6", "hlink", "folHlink"]



def theme_colors(theme_xml) -> list[str]:
    """The 12 theme colours in Excel's index order (Office defaults when unreadable)."""
    office = {"dk1": "000000", "lt1": "FFFFFF", "dk2": "44546A", "lt2": "E7E6E6",
              "accent1": "4472C4", "accent2": "ED7D31", "accent3": "A5A5A5",
              "accent4": "FFC000", "accent5": "5B9BD5", "accent6": "70AD47",
              "hlink": "0563C1", "folHlink": "954F72"}
    if theme_xml:
        try:
            root = ET.fromstring(theme_xml)
            scheme = root.find(".//a:clrScheme", _NS)
            for el in scheme:
                tag = el.tag.split("}")[1]
                srgb, sys_ = el.find("a:srgbClr", _NS), el.find("a:sysClr", _NS)
                if srgb is not None:
                    office[tag] = srgb.get("val")
                elif sys_ is not None and sys_.get("lastClr"):
                    office[tag] = sys_.get("lastClr")
        except (ET.ParseError, TypeError, AttributeError):
            pass
    return ["#" + office[k].upper() for k in _THEME_ORDER]


def tint(hex_color: str, tint: float) -> str:
    """Excel's tint: darken (tint < 0) or lighten (tint > 0) the colour's luminance.

    >>> tint("#4472C4", 0.0), tint("#FFFFFF", -0.5), tint("#000000", 0.5)
    ('#4472C4', '#808080', '#808080')
    """
    if not tint:
        return hex_color
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 + tint) if tint < 0 else lum * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(lum, 0.0), 1.0), s)
    return "#{:02X}{:02X}{:02X}".format(*(round(x * 255) for x in (r, g, b)))
