"""Content-stream drawing: :class:`Page` turns shapes, text runs, images and a QR grid into PDF
operators, in points from the page's top-left corner.

Owns the operator syntax and number formatting (which is what makes the output byte-stable),
colours as PDF writes them, and the flip from top-left coordinates to PDF's bottom-left ones. It
knows nothing of certificates: what goes where is :mod:`~certificates.adapters.pdf.design`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from certificates.adapters.pdf.fonts import FaceSet, TextFace
from certificates.adapters.pdf.shaping import FontFace
from certificates.adapters.pdf.syntax import PAGE_HEIGHT

Colour = tuple[float, float, float]
"""Red, green and blue in 0..1, PDF's device RGB."""


def rgb(colour: Colour) -> str:
    """``colour`` as the three operands of ``rg``/``RG``."""
    return f"{colour[0]:.3f} {colour[1]:.3f} {colour[2]:.3f}"


def mix(a: Colour, b: Colour, t: float) -> Colour:
    """Blend ``a`` toward ``b`` by ``t``: used for tints, so no transparency groups are needed."""
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


class Page:
    """Collects content-stream operators; coordinates are from the top-left, in points."""

    def __init__(self, faces: FaceSet) -> None:
        self.ops: list[str] = []
        self.faces = faces

    def _font_name(self, face: FontFace) -> str:
        return "/F1" if face is self.faces.base.regular else "/F2"

    def fill_rect(self, x: float, y: float, w: float, h: float, colour: Colour) -> None:
        self.ops.append(f"{rgb(colour)} rg {x:.2f} {PAGE_HEIGHT - y - h:.2f} {w:.2f} {h:.2f} re f")

    def stroke_rect(self, x: float, y: float, w: float, h: float, colour: Colour, line_width: float) -> None:
        self.ops.append(f"{rgb(colour)} RG {line_width:.2f} w {x:.2f} {PAGE_HEIGHT - y - h:.2f} {w:.2f} {h:.2f} re S")

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        colour: Colour,
        line_width: float,
    ) -> None:
        self.ops.append(
            f"{rgb(colour)} RG {line_width:.2f} w {x1:.2f} {PAGE_HEIGHT - y1:.2f} m {x2:.2f} {PAGE_HEIGHT - y2:.2f} l S"
        )

    def polygon(self, points: Sequence[tuple[float, float]], colour: Colour) -> None:
        first, *rest = points
        path = [f"{first[0]:.2f} {PAGE_HEIGHT - first[1]:.2f} m"]
        path.extend(f"{x:.2f} {PAGE_HEIGHT - y:.2f} l" for x, y in rest)
        self.ops.append(f"{rgb(colour)} rg " + " ".join(path) + " h f")

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        colour: Colour,
        *,
        line_width: float | None = None,
    ) -> None:
        # Four cubic Béziers; 0.5523 is the standard control-point factor for a quarter circle.
        k = 0.5523 * r
        y = PAGE_HEIGHT - cy
        path = (
            f"{cx + r:.2f} {y:.2f} m "
            f"{cx + r:.2f} {y + k:.2f} {cx + k:.2f} {y + r:.2f} {cx:.2f} {y + r:.2f} c "
            f"{cx - k:.2f} {y + r:.2f} {cx - r:.2f} {y + k:.2f} {cx - r:.2f} {y:.2f} c "
            f"{cx - r:.2f} {y - k:.2f} {cx - k:.2f} {y - r:.2f} {cx:.2f} {y - r:.2f} c "
            f"{cx + k:.2f} {y - r:.2f} {cx + r:.2f} {y - k:.2f} {cx + r:.2f} {y:.2f} c"
        )
        if line_width is None:
            self.ops.append(f"{rgb(colour)} rg {path} f")
        else:
            self.ops.append(f"{rgb(colour)} RG {line_width:.2f} w {path} S")

    def text(
        self,
        text: str,
        x: float,
        baseline: float,
        face: TextFace,
        size: float,
        colour: Colour,
        *,
        align: str = "left",
        tracking: float = 0.0,
    ) -> float:
        """Draw one line of text; returns its width. ``x`` is the left edge, centre or right edge."""
        if not isinstance(face, FontFace) and face.is_plain(text):
            face = face.base  # Noto Sans alone sets this line: written exactly as on the fast path
        width = face.width(text, size, tracking)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        if not isinstance(face, FontFace):  # a line with letters from the fallback fonts
            self.ops.append(face.text_object(text, x, PAGE_HEIGHT - baseline, size, rgb(colour), tracking))
            return width
        spacing = f" {tracking:.2f} Tc" if tracking else ""
        reset = " 0 Tc" if tracking else ""
        self.ops.append(
            f"BT {self._font_name(face)} {size:.2f} Tf{spacing} {rgb(colour)} rg"
            f" 1 0 0 1 {x:.2f} {PAGE_HEIGHT - baseline:.2f} Tm {face.show(text)}{reset} ET"
        )
        return width

    def image(self, name: str, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"q {w:.2f} 0 0 {h:.2f} {x:.2f} {PAGE_HEIGHT - y - h:.2f} cm /{name} Do Q")

    def qr(self, matrix: Sequence[bytes | bytearray], x: float, y: float, size: float, colour: str) -> None:
        """Dark modules as rectangles, one per horizontal run, filled in a single path.

        A transformation puts the origin at the symbol's top-left corner with one unit per
        module and y growing downwards, so every rectangle is written in small integers.
        """
        module = size / len(matrix)
        rects = []
        for row_index, row in enumerate(matrix):
            for run in _DARK_RUN.finditer(bytes(row)):
                rects.append(f"{run.start()} {row_index} {run.end() - run.start()} 1 re")
        # The comments delimit the symbol so tests can read it back from the content stream.
        self.ops.append(
            f"% qr-begin\nq {module:.4f} 0 0 {-module:.4f} {x:.3f} {PAGE_HEIGHT - y:.3f} cm {colour} rg\n"
            + "\n".join(rects)
            + "\nf Q\n% qr-end"
        )


_DARK_RUN: Final = re.compile(rb"[^\x00]+")
