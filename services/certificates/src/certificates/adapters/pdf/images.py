"""Logos and signature images: decoded once (Pillow) and kept in their PDF form, by content hash.

Owns turning PNG/JPEG bytes into image XObject bodies. JPEGs in grey or RGB are embedded as they
are (``DCTDecode``); anything else is decoded to RGB, with its alpha channel as a separate soft
mask. Where an image goes on the page is :mod:`~certificates.adapters.pdf.design`'s business.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from typing import Final

from certificates.adapters.pdf.syntax import stream


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """An image ready to be copied into any PDF, with its size in pixels."""

    width: int
    height: int
    image: bytes
    """The image XObject body; ``{smask}`` stands for the soft mask's object number."""
    smask: bytes | None


_image_cache: dict[bytes, PreparedImage] = {}
_image_cache_lock = threading.Lock()
_IMAGE_CACHE_LIMIT: Final = 64


def prepare_image(data: bytes) -> PreparedImage:
    """Decode a PNG/JPEG once and keep its PDF form, keyed by content hash."""
    key = hashlib.sha256(data).digest()
    cached = _image_cache.get(key)
    if cached is not None:
        return cached
    # Pillow comes with fpdf2; imported here because only templates with images need it.
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        width, height = opened.size
        if opened.format == "JPEG" and opened.mode in ("L", "RGB"):
            colour_space = "/DeviceGray" if opened.mode == "L" else "/DeviceRGB"
            body = stream(
                f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                f" /ColorSpace {colour_space} /BitsPerComponent 8 /Filter /DCTDecode",
                bytes(data),
                compress=False,
            )
            prepared = PreparedImage(width, height, body, None)
        else:
            has_alpha = opened.mode in ("RGBA", "LA", "PA") or (opened.mode == "P" and "transparency" in opened.info)
            rgba = opened.convert("RGBA" if has_alpha else "RGB")
            smask = None
            mask_ref = ""
            if has_alpha:
                alpha = rgba.getchannel("A")
                smask = stream(
                    f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                    " /ColorSpace /DeviceGray /BitsPerComponent 8",
                    alpha.tobytes(),
                )
                rgba = rgba.convert("RGB")
                mask_ref = " /SMask {smask} 0 R"
            body = stream(
                f"/Type /XObject /Subtype /Image /Width {width} /Height {height}"
                f" /ColorSpace /DeviceRGB /BitsPerComponent 8{mask_ref}",
                rgba.tobytes(),
            )
            prepared = PreparedImage(width, height, body, smask)
    with _image_cache_lock:
        if len(_image_cache) >= _IMAGE_CACHE_LIMIT:
            _image_cache.clear()
        _image_cache[key] = prepared
    return prepared
