"""Assembly: the prepared pieces of a certificate written out as one PDF file.

Owns the file structure: catalogue, page tree and page (with its resources and two content
streams), the information dictionary, image XObjects, link annotations to the verification URL,
the cross-reference table and the trailer with a file identifier derived from the certificate.
Every piece arrives ready-made (face objects from :mod:`~certificates.adapters.pdf.fonts`, images
from :mod:`~certificates.adapters.pdf.images`, the two layers from
:mod:`~certificates.adapters.pdf.design`), so this is string joining and byte counting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import quote

from certificates.adapters.pdf.images import PreparedImage
from certificates.adapters.pdf.syntax import (
    CATALOG,
    CONTENT,
    FIRST_FREE,
    INFO,
    PAGE,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PAGES,
    REGULAR_FIRST,
    SEMIBOLD_FIRST,
    STATIC_CONTENT,
    number_objects,
    pdf_text_string,
    stream,
)


def assemble_pdf(
    *,
    static_stream: bytes,
    images: Sequence[tuple[str, PreparedImage]],
    content: bytes,
    face_objects: Sequence[bytes],
    fallback_fonts: Sequence[tuple[str, tuple[bytes, ...]]] = (),
    links: Sequence[tuple[float, float, float, float]],
    url: str,
    info: dict[str, str],
    creation: str,
    lang: str,
    identity: str,
) -> bytes:
    """The PDF file.

    ``static_stream`` is the template's content stream object (already compressed) and
    ``images`` the XObjects it names; ``content`` the certificate's own operators; ``face_objects``
    the two faces' objects, numbered from object 7; ``fallback_fonts`` the (resource name, six
    object bodies with ``{0}``.. references) of each fallback font face, numbered after the rest;
    ``links`` areas (from the top-left) linking to ``url``; ``creation`` a PDF date; ``identity``
    what the file identifier is derived from.
    """
    bodies: list[bytes] = [b""] * FIRST_FREE
    bodies[REGULAR_FIRST:FIRST_FREE] = face_objects

    xobjects = []
    for name, image in images:
        image_number = len(bodies)
        bodies.append(image.image)
        if image.smask is not None:
            bodies[image_number] = image.image.replace(b"{smask}", str(len(bodies)).encode())
            bodies.append(image.smask)
        xobjects.append(f"/{name} {image_number} 0 R")

    # URI actions must be 7-bit ASCII: percent-encode anything else, then escape the PDF string.
    ascii_url = quote(url, safe=":/?#[]@!$&'()*+,;=%~")
    escaped_url = ascii_url.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    annotations = []
    for x1, y1, x2, y2 in links:
        annotations.append(f"{len(bodies)} 0 R")
        bodies.append(
            (
                "<< /Type /Annot /Subtype /Link /Border [0 0 0]"
                f" /Rect [{x1:.2f} {PAGE_HEIGHT - y2:.2f} {x2:.2f} {PAGE_HEIGHT - y1:.2f}]"
                f" /A << /S /URI /URI ({escaped_url}) >> >>"
            ).encode()
        )

    fonts = f"/F1 {REGULAR_FIRST} 0 R /F2 {SEMIBOLD_FIRST} 0 R"
    for resource, objects in fallback_fonts:
        fonts += f" /{resource} {len(bodies)} 0 R"
        bodies.extend(number_objects(objects, len(bodies)))
    resources = f"/Font << {fonts} >>"
    if xobjects:
        resources += " /XObject << " + " ".join(xobjects) + " >>"
    bodies[CATALOG] = f"<< /Type /Catalog /Pages {PAGES} 0 R /Lang ({lang}) >>".encode("ascii")
    bodies[PAGES] = f"<< /Type /Pages /Kids [{PAGE} 0 R] /Count 1 >>".encode("ascii")
    bodies[PAGE] = (
        f"<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
        f" /Resources << {resources} >> /Contents [{STATIC_CONTENT} 0 R {CONTENT} 0 R]"
        f" /Annots [{' '.join(annotations)}] >>"
    ).encode("ascii")
    bodies[STATIC_CONTENT] = static_stream
    bodies[CONTENT] = stream("", content, level=6)
    info_entries = " ".join(f"/{key} {pdf_text_string(value)}" for key, value in info.items())
    bodies[INFO] = f"<< {info_entries} /CreationDate ({creation}) /ModDate ({creation}) >>".encode("ascii")

    out = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
    position = len(out[0])
    xref = [f"xref\n0 {len(bodies)}\n0000000000 65535 f \n"]
    for number in range(1, len(bodies)):
        chunk = b"%d 0 obj\n%s\nendobj\n" % (number, bodies[number])
        xref.append(f"{position:010d} 00000 n \n")
        position += len(chunk)
        out.append(chunk)
    file_id = hashlib.sha256(identity.encode()).hexdigest()[:32].upper()
    xref.append(
        f"trailer\n<< /Size {len(bodies)} /Root {CATALOG} 0 R /Info {INFO} 0 R"
        f" /ID [<{file_id}> <{file_id}>] >>\nstartxref\n{position}\n%%EOF\n"
    )
    out.append("".join(xref).encode("ascii"))
    return b"".join(out)
