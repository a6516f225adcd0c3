"""The QR symbol printed on a certificate: which error-correction level, and the module grid.

zxing-cpp (C++) encodes it, with the full ISO/IEC 18004 mask search and segment optimisation (the
upper-case code travels in alphanumeric mode, which often saves a version). The pure-Python
segno, used before, took 0.7 ms per symbol even with the mask fixed, half of the renderer's time;
zxing-cpp takes about 0.15 ms with the search. Drawing the grid is
:meth:`~certificates.adapters.pdf.drawing.Page.qr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, cast

import zxingcpp
from typing_extensions import Buffer

_QR_ERROR_LEVELS: Final = ("M", "Q")
# zxing-cpp's 1-pixel-per-module image is 0 for dark and 255 for light; the drawing wants 1 and 0.
_QR_DARK_IS_ONE: Final = bytes.maketrans(b"\x00\xff", b"\x01\x00")


@dataclass(frozen=True, slots=True)
class QrSymbol:
    """A QR symbol as rows of modules (1 = dark), without the quiet zone."""

    matrix: tuple[bytes, ...]
    error_level: str


_QR_LEVEL_CACHE_LIMIT: Final = 64
# Written by several renderer threads; a lost update only costs one extra encode.
_qr_levels: dict[tuple[str, int], str] = {}


def encode_qr(url: str, level: str) -> QrSymbol:
    """``url`` as a QR symbol at error-correction ``level`` (``"L"``, ``"M"``, ``"Q"`` or ``"H"``)."""
    image = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False
    )
    height, width = image.shape
    # The image implements the buffer protocol; its type stub does not say so.
    pixels = bytes(cast("Buffer", image)).translate(_QR_DARK_IS_ONE)
    return QrSymbol(tuple(pixels[row * width : (row + 1) * width] for row in range(height)), level)


def qr_code_for(url: str) -> QrSymbol:
    """The QR symbol printed for ``url``.

    Error correction is level M, raised to Q when the URL still fits the same symbol size (a
    creased or stained certificate still scans, and the modules printed are no smaller).
    """
    # Verification URLs differ only in the code, always of the same length and alphabet, so the
    # level found for one holds for all URLs with the same prefix and length: one encode each.
    shape = (url.rsplit("/", 1)[0], len(url))
    level = _qr_levels.get(shape)
    if level is not None:
        return encode_qr(url, level)
    symbol = encode_qr(url, _QR_ERROR_LEVELS[0])
    for stronger_level in _QR_ERROR_LEVELS[1:]:
        stronger = encode_qr(url, stronger_level)
        if len(stronger.matrix) > len(symbol.matrix):
            break
        symbol = stronger
    if len(_qr_levels) >= _QR_LEVEL_CACHE_LIMIT:
        _qr_levels.clear()
    _qr_levels[shape] = symbol.error_level
    return symbol
