"""Print batches written to the object store as a stream: one merged PDF, or a ZIP of PDFs.

Memory is bounded by one certificate and one upload part, whatever the batch's size:

* The output is produced by a generator, one certificate at a time, and read by the minio SDK's
  ``put_object`` with an unknown length, which uploads it as a multipart upload in parts of
  :data:`PART_SIZE` (one part in memory; ``num_parallel_uploads=1``). If anything fails, the SDK
  aborts the upload: no half-written object ever appears under the batch's key.
* **PDF.** Each certificate is read with pypdf and its page's objects are written out at once,
  renumbered, with their byte offsets kept (eight bytes per object) for the cross-reference table
  at the end. Objects are content-addressed: an object whose bytes (after renumbering) were written
  before is referenced, not written again. Template images and the static layer are the same on
  every certificate and are written once; font subsets differ with the letters of each name, so a
  font is shared only between certificates whose names use the same letters.
* **ZIP.** ``zipfile`` writes to a sink that cannot seek, so every entry has a data descriptor and
  is handed to the upload as soon as it is written; the entries are STORED (PDFs are compressed
  already), named in UTF-8 with the UTF-8 flag (bit 11) set on every entry.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pypdf
from minio.error import S3Error
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from certificates.adapters.storage import S3PdfStore
from certificates.domain.printing import PrintFormat, PrintItem

PART_SIZE = 8 * 1024 * 1024
"""Bytes per part of the multipart upload (S3's minimum is 5 MiB)."""
_MISSING = ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound")


class UnreadablePdf(ValueError):
    """A certificate's stored PDF cannot be parsed: a deterministic failure (the batch is parked)."""


# --- the merged PDF ----------------------------------------------------------------------------------


class PdfMerger:
    """Writes pages of many PDFs as one file, a certificate at a time (see the module doc)."""

    PAGES = 1
    CATALOG = 2

    def __init__(self, identity: bytes, title: str, lang: str) -> None:
        self._identity = identity
        self._title = title
        self._lang = lang
        self._offsets = array("Q", [0, 0, 0])  # objects 0 (free), 1 (pages), 2 (catalogue): written last
        self._pages = array("Q")
        self._seen: dict[bytes, int] = {}
        self.position = 0
        self.written_objects = 0
        self.shared_objects = 0

    def header(self) -> bytes:
        return self._out(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _out(self, data: bytes) -> bytes:
        self.position += len(data)
        return data

    def _allocate(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def add(self, pdf: bytes) -> bytes:
        """The objects of every page of ``pdf``, as bytes to append to the file."""
        try:
            reader = pypdf.PdfReader(io.BytesIO(pdf), strict=False)
            pages = [page.indirect_reference for page in reader.pages]
        except Exception as exc:
            raise UnreadablePdf(f"a certificate PDF could not be read ({type(exc).__name__}: {exc})") from exc
        if any(ref is None for ref in pages):
            raise UnreadablePdf("a certificate PDF has a page that is not an indirect object")
        fast = _RawObjects.of(pdf, reader, [ref.idnum for ref in pages if ref is not None])
        out: list[bytes] = []
        local: dict[int, int] = {}
        busy: set[int] = set()
        for ref in pages:
            assert ref is not None
            if fast is not None:
                self._pages.append(self._emit_raw(fast, ref.idnum, local, busy, out))
            else:
                self._pages.append(self._emit(ref, local, busy, out, page=True))
        return b"".join(out)

    def _emit_raw(self, raw: _RawObjects, key: int, local: dict[int, int], busy: set[int], out: list[bytes]) -> int:
        """:meth:`_emit` on the file's bytes: each object copied, its references renumbered (the fast path)."""
        if key in local:
            return local[key]
        if key in busy:
            local[key] = self._allocate()
            return local[key]
        busy.add(key)
        head, data = raw.body(key)
        page = key in raw.pages
        if page:
            head = _PARENT.sub(b"/Parent \x00", head)  # the merged file's page tree, once renumbered
        for ref in raw.refs(head):
            if ref not in raw.skip:
                self._emit_raw(raw, ref, local, busy, out)
        # A reference to the old catalogue, page tree or information dictionary has nothing to point at.
        head = _REF.sub(lambda m: b"%d 0 R" % local[n] if (n := int(m[1])) not in raw.skip else b"null", head)
        if page:
            head = head.replace(b"/Parent \x00", b"/Parent %d 0 R" % self.PAGES)
        body = head if data is None else head + data
        busy.discard(key)
        return self._place(key, body, local, out, page)

    def _emit(self, ref: IndirectObject, local: dict[int, int], busy: set[int], out: list[bytes], page: bool) -> int:
        key = ref.idnum
        if key in local:
            return local[key]
        if key in busy:  # a cycle (e.g. an annotation naming its page): number it now, never share it
            local[key] = self._allocate()
            return local[key]
        busy.add(key)
        obj = ref.get_object()
        body = self._body(obj, local, busy, out, page)
        busy.discard(key)
        return self._place(key, body, local, out, page)

    def _place(self, key: int, body: bytes, local: dict[int, int], out: list[bytes], page: bool) -> int:
        """Write one object's body under its number (given already when a cycle numbered it while its
        children were written), or share an identical object written before (never for pages)."""
        if key in local:
            number = local[key]
        else:
            digest = hashlib.blake2b(body, digest_size=16).digest()
            shared = None if page else self._seen.get(digest)
            if shared is not None:
                self.shared_objects += 1
                local[key] = shared
                return shared
            number = self._allocate()
            local[key] = number
            if not page:
                self._seen[digest] = number
        self._offsets[number] = self.position
        out.append(self._out(b"%d 0 obj\n" % number + body + b"\nendobj\n"))
        self.written_objects += 1
        return number

    def _body(
        self, obj: PdfObject | None, local: dict[int, int], busy: set[int], out: list[bytes], page: bool
    ) -> bytes:
        if isinstance(obj, StreamObject):
            data: bytes = obj._data  # the encoded bytes as stored; copied, never decoded
            entries = {k: v for k, v in obj.items() if k != "/Length"}
            return (
                self._dict(entries, local, busy, out)[:-2]
                + b" /Length %d>>\nstream\n" % len(data)
                + data
                + b"\nendstream"
            )
        if isinstance(obj, DictionaryObject) and page:
            entries = dict(obj.items())
            entries["/Parent"] = None  # written as the merged file's page tree (keep_parent)
            return self._dict(entries, local, busy, out, keep_parent=True)
        return self._value(obj, local, busy, out)

    def _dict(
        self,
        entries: dict[Any, Any],
        local: dict[int, int],
        busy: set[int],
        out: list[bytes],
        keep_parent: bool = False,
    ) -> bytes:
        parts = [b"<<"]
        for k, v in entries.items():
            if k == "/Parent" and keep_parent:
                parts.append(b"/Parent %d 0 R" % self.PAGES)
                continue
            parts.append(_plain(NameObject(k)) + b" " + self._value(v, local, busy, out))
        parts.append(b">>")
        return b" ".join(parts)

    def _value(self, obj: Any, local: dict[int, int], busy: set[int], out: list[bytes]) -> bytes:
        if isinstance(obj, IndirectObject):
            return b"%d 0 R" % self._emit(obj, local, busy, out, page=False)
        if isinstance(obj, StreamObject):
            raise UnreadablePdf("a stream that is not an indirect object")
        if isinstance(obj, DictionaryObject):
            return self._dict(dict(obj.items()), local, busy, out)
        if isinstance(obj, ArrayObject):
            return b"[" + b" ".join(self._value(v, local, busy, out) for v in obj) + b"]"
        if obj is None:
            return b"null"
        return _plain(obj)

    def trailer(self) -> bytes:
        """The page tree, the catalogue, the cross-reference table and the trailer."""
        head: list[bytes] = []
        kids = b" ".join(b"%d 0 R" % n for n in self._pages)
        self._offsets[self.PAGES] = self.position
        head.append(self._out(b"1 0 obj\n<</Type /Pages /Count %d /Kids [%s]>>\nendobj\n" % (len(self._pages), kids)))
        self._offsets[self.CATALOG] = self.position
        lang = _plain(pypdf.generic.TextStringObject(self._lang))
        head.append(self._out(b"2 0 obj\n<</Type /Catalog /Pages 1 0 R /Lang %s>>\nendobj\n" % lang))
        info_number = self._allocate()
        self._offsets[info_number] = self.position
        title = _plain(pypdf.generic.TextStringObject(self._title))
        head.append(
            self._out(b"%d 0 obj\n<</Title %s /Producer (Kentbilim print batch)>>\nendobj\n" % (info_number, title))
        )
        xref_at = self.position
        count = len(self._offsets)
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % count]
        rows.extend(b"%010d 00000 n \n" % self._offsets[n] for n in range(1, count))
        file_id = hashlib.md5(self._identity, usedforsecurity=False).hexdigest().encode()
        rows.append(
            b"trailer\n<</Size %d /Root 2 0 R /Info %d 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
            % (count, info_number, file_id, file_id, xref_at)
        )
        return b"".join(head) + self._out(b"".join(rows))

    @property
    def pages(self) -> int:
        return len(self._pages)


_REF = re.compile(rb"(\d+)\s+(\d+)\s+R(?![A-Za-z0-9])")
_PARENT = re.compile(rb"/Parent\s+\d+\s+\d+\s+R")
_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_STREAM = re.compile(rb"stream\r?\n")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")


class _RawObjects:
    """A classic PDF's objects straight from its bytes, located by its cross-reference table.

    Our writer's certificates are classic files (a cross-reference table, no object streams, direct
    stream lengths); for them, copying each object's bytes and renumbering its references is ten
    times faster than pypdf's object model (the font width arrays have thousands of numbers). Any
    other file (:meth:`of` answers None) takes the general path.
    """

    def __init__(self, pdf: bytes, offsets: dict[int, int], pages: set[int], skip: set[int]) -> None:
        self._pdf = pdf
        self._offsets = offsets
        self.pages = pages
        self.skip = skip

    @classmethod
    def of(cls, pdf: bytes, reader: pypdf.PdfReader, pages: list[int]) -> _RawObjects | None:
        try:
            generations = {g for g, entries in reader.xref.items() if set(entries) - {0}}  # object 0 is the free head
            if getattr(reader, "xref_objStm", None) or generations != {0}:
                return None
            root = reader.trailer["/Root"].get_object()
            assert isinstance(root, DictionaryObject)
            tree = root["/Pages"].get_object()
            assert isinstance(tree, DictionaryObject)
            if any(key in tree for key in _INHERITABLE) or len(pages) != tree.get("/Count"):
                return None
            skip = {r.idnum for r in (reader.trailer.raw_get("/Root"), root.raw_get("/Pages"))}
            if "/Info" in reader.trailer:
                skip.add(reader.trailer.raw_get("/Info").idnum)
            return cls(pdf, dict(reader.xref[0]), set(pages), skip)
        except Exception:  # noqa: BLE001 - anything unusual: the general path decides
            return None

    def body(self, key: int) -> tuple[bytes, bytes | None]:
        """The object's text up to its stream data, and the stream data (with ``endstream``), or None."""
        offset = self._offsets.get(key)
        if offset is None:
            raise UnreadablePdf(f"a certificate PDF names object {key}, which it does not contain")
        header = _HEADER.match(self._pdf, offset)
        if header is None or int(header[1]) != key:
            raise UnreadablePdf(f"object {key} of a certificate PDF is not where its cross-reference table says")
        start = header.end()
        end = self._pdf.find(b"endobj", start)
        stream = _STREAM.search(self._pdf, start, end if end >= 0 else len(self._pdf))
        if stream is None:
            if end < 0:
                raise UnreadablePdf(f"object {key} of a certificate PDF has no end")
            return self._pdf[start:end].strip(), None
        head = self._pdf[start : stream.end()]
        length = _LENGTH.search(head)
        if length is None:
            raise UnreadablePdf(f"stream {key} of a certificate PDF has no direct /Length")
        data_end = stream.end() + int(length[1])
        tail = self._pdf.find(b"endstream", data_end)
        if tail < 0 or tail - data_end > 2:
            raise UnreadablePdf(f"stream {key} of a certificate PDF is not as long as its /Length says")
        return head.lstrip(), self._pdf[stream.end() : data_end] + b"\nendstream"

    def refs(self, head: bytes) -> list[int]:
        return [int(m[1]) for m in _REF.finditer(head)]


def _plain(obj: PdfObject) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def merged_pdf(
    items: Sequence[PrintItem],
    fetch: Callable[[PrintItem], bytes],
    progress: Callable[[int], None],
    *,
    identity: bytes,
    title: str,
    lang: str,
    stats: dict[str, int] | None = None,
) -> Iterator[bytes]:
    """The merged PDF as a stream of pieces, one certificate's objects at a time."""
    merger = PdfMerger(identity, title, lang)
    yield merger.header()
    for done, item in enumerate(items, start=1):
        yield merger.add(fetch(item))
        progress(done)
    yield merger.trailer()
    if stats is not None:
        stats.update(objects=merger.written_objects, shared=merger.shared_objects, pages=merger.pages)


# --- the ZIP -------------------------------------------------------------------------------------------


class _Drain:
    """A write-only, unseekable file for ``zipfile``: what was written is taken away after each entry."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _Utf8Name(zipfile.ZipInfo):
    """An entry whose name is flagged UTF-8 even when it is ASCII (``zipfile`` flags only non-ASCII names)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits | 0x800


def zipped_pdfs(
    items: Sequence[PrintItem],
    fetch: Callable[[PrintItem], bytes],
    progress: Callable[[int], None],
    *,
    stamp: datetime,
) -> Iterator[bytes]:
    """The ZIP as a stream of pieces, one entry at a time (names are the items' ``file_name``)."""
    drain = _Drain()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(drain, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for done, item in enumerate(items, start=1):
            info = _Utf8Name(item.file_name, date_time=when)  # UTF-8 flag: APPNOTE 4.4.4, bit 11
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, fetch(item))
            yield drain.take()
            progress(done)
    yield drain.take()  # the central directory


# --- the object store ---------------------------------------------------------------------------------


class _StreamReader(io.RawIOBase):
    """``read(n)`` over an iterator of byte strings: what ``put_object`` pulls its parts from."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buffer = bytearray()
        self._done = False
        self.total = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            try:
                self._buffer += next(self._pieces)
            except StopIteration:
                self._done = True
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        self.total += len(data)
        return data


class S3PrintOutput:
    """Implements ``service_layer.ports.PrintOutput`` on the certificates bucket (blocking; worker threads)."""

    def __init__(self, store: S3PdfStore, part_size: int = PART_SIZE) -> None:
        self._store = store
        self._part_size = part_size

    def get_pdf(self, key: str) -> bytes | None:
        try:
            return self._store.get_object(key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    def size_of(self, key: str) -> int | None:
        try:
            return int(self._store.client.stat_object(bucket_name=self._store.bucket, object_name=key).size or 0)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    def write_batch(
        self,
        key: str,
        fmt: PrintFormat,
        items: Sequence[PrintItem],
        fetch: Callable[[PrintItem], bytes],
        progress: Callable[[int], None],
        *,
        identity: bytes,
        title: str,
        lang: str,
        stamp: datetime,
    ) -> int:
        """Write the batch to ``key`` in parts; returns its size. Nothing appears under ``key`` on failure."""
        if fmt == PrintFormat.PDF:
            pieces = merged_pdf(items, fetch, progress, identity=identity, title=title, lang=lang)
            content_type = "application/pdf"
        else:
            pieces = zipped_pdfs(items, fetch, progress, stamp=stamp)
            content_type = "application/zip"
        reader = _StreamReader(pieces)
        self._store.client.put_object(
            bucket_name=self._store.bucket,
            object_name=key,
            data=reader,  # type: ignore[arg-type]
            length=-1,
            part_size=self._part_size,
            num_parallel_uploads=1,
            content_type=content_type,
        )
        return reader.total

    def presigned_url(self, key: str, filename: str, seconds: int) -> str:
        headers = {"response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
        return self._store.signer.presigned_get_object(
            bucket_name=self._store.bucket,
            object_name=key,
            expires=timedelta(seconds=seconds),
            response_headers=headers,  # type: ignore[arg-type]
        )
