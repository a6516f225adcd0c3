"""RDFC-1.0 canonical N-Quads of JSON-LD documents, for ``eddsa-rdfc-2022`` Data Integrity proofs.

:func:`canonical_nquads` is the entry point. The reference is pyld's general RDFC-1.0 (URDNA2015)
canonicalisation, with the offline document loader of
:mod:`certificates.adapters.jsonld_contexts` (contexts are never fetched). It costs milliseconds
per credential; bulk issuance signs thousands, so documents of a shape seen before take a fast
path that produces the same bytes from a template, in tens of microseconds.

The fast path
-------------
*Shape.* A document's shape is everything in it except its strings: keys, nesting, list lengths,
numbers, booleans and nulls, plus, verbatim, every ``@context`` and every ``type``/``@type``
value (those change which context applies, and are fixed per course and template anyway). The
strings are the *slots*. Slots holding equal strings form a *group*; the grouping is part of a
template's key, so two names that happen to be equal can never be confused with two that are not.

*Learning.* The first document of a shape is canonicalised by pyld twice or more: with its own
values (that answer is returned) and with every group replaced by a unique marker (an
unguessable token; a marker keeps the value's IRI scheme and ``//`` so that IRI expansion takes
the same branch). In the marker output each group must appear only as a whole literal
(``"marker"`` with any datatype but ``xsd:double`` and ``rdf:JSON``, whose lexical form pyld
rewrites) or as a whole IRI (``<marker>``). Any group that does not, or that is dropped, is
*fixed*: its value becomes part of the key and it is learned again with its real value. Terms
that are neither slots nor blank nodes are copied as they are.

*Per document.* The N-Quads lines are the template's with the values substituted (literals
escaped exactly as pyld escapes, IRIs verbatim after checking they are absolute with the same
scheme, so pyld would keep them verbatim too). Blank-node labels are not copied: they come from
RDFC-1.0 itself. Its first step labels every blank node whose *first-degree hash* (SHA-256 of
the sorted lines mentioning it, itself as ``_:a`` and the others as ``_:z``) is unique, in the
order of those hashes; if all hashes are unique that is the whole labelling. The fast path
computes those hashes from the substituted lines, so the labels follow the values exactly as
the algorithm says. If two hashes are equal (the n-degree step would be needed), a blank node
occurs twice in one quad, two lines coincide, or any check above fails, the document goes to
pyld. The result is the sorted lines, as RDFC-1.0 returns them.

*Proof.* ``tests/unit/test_rdfc.py`` compares the fast path with pyld byte for byte on thousands
of generated credentials and proof configurations (names in every script, quotes, backslashes,
escape-like text, marks and format characters), and checks that changed shapes fall back;
``tests/interop/test_rdfc_rdf_canonize.py`` compares it with rdf-canonize (JavaScript).

Characters pyld gets wrong
--------------------------
pyld 3.3 escapes only ``\\``, ``"``, tab, LF and CR in literals; RDFC-1.0's canonical N-Quads
(and the rdf-canonize that JavaScript verifiers use) also escape the other C0 controls and DEL
(``\\b``, ``\\f``, ``\\u000B``...). The two disagree on such a string, so a proof over it would
not verify elsewhere: :func:`canonical_nquads` refuses it (:class:`CanonicalisationError`)
instead of signing bytes nobody else reproduces. None of our documents can contain them: every
service refuses exactly these characters in incoming text (:mod:`lms_shared.text`).
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pyld import jsonld

DocumentLoader = Callable[[str, Mapping[str, Any]], dict[str, Any]]

_NQUADS: Final = "application/n-quads"
_XSD_DOUBLE: Final = "http://www.w3.org/2001/XMLSchema#double"
_RDF_JSON: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"

# pyld's own test for an absolute IRI (jsonld._is_absolute_iri) and the scheme part of it.
_ABSOLUTE_IRI: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):")
# Characters whose escaping differs between pyld and RDFC-1.0 canonical N-Quads, and lone
# surrogates (not Unicode text: no UTF-8, so no hash).
_DIVERGENT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")
_REFUSED: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# One line of canonical N-Quads as pyld writes it.
_TERM: Final = r'(<[^>\s]*>|_:[A-Za-z0-9_.\-]+|"(?:[^"\\]|\\.)*"(?:\^\^<[^>\s]*>|@[A-Za-z0-9\-]+)?)'
_LINE: Final = re.compile(rf"{_TERM} {_TERM} {_TERM}(?: {_TERM})? \.\n")
_LITERAL: Final = re.compile(r'"((?:[^"\\]|\\.)*)"(.*)', re.DOTALL)

# Templates per shape: how many variants (fixed values, groupings, IRI schemes) and shapes to keep.
_VARIANTS_PER_SHAPE: Final = 8
_SHAPES: Final = 512


class CanonicalisationError(ValueError):
    """A document could not be canonicalised (not JSON-LD, a context we do not hold, or text
    that RDFC-1.0 implementations would not canonicalise alike)."""


def _offline_loader() -> DocumentLoader:
    # The vendored contexts live with the Data Integrity code; imported late so this module
    # has no import-time dependency on it.
    from certificates.adapters import jsonld_contexts

    loader: DocumentLoader = jsonld_contexts.document_loader
    return loader


def _innermost(error: BaseException) -> str:
    """pyld wraps the real reason (a dropped term, a protected redefinition...) in several
    generic errors: report the innermost one."""
    while error.__cause__ is not None:
        error = error.__cause__
    details = getattr(error, "details", None)
    message = str(error.args[0]) if error.args else type(error).__name__
    return f"{message} {details}" if details else message


def pyld_canonical_nquads(document: Mapping[str, Any], *, document_loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads by pyld's general algorithm (the reference).

    pyld 3.3 has no JSON-LD "safe mode": a term no context defines is dropped silently, as in
    any JSON-LD processor outside safe mode; the Node verifier in ``tests/interop`` runs in safe
    mode and catches such terms."""
    options = {
        "algorithm": "URDNA2015",
        "format": _NQUADS,
        "documentLoader": document_loader or _offline_loader(),
    }
    try:
        result = jsonld.normalize(dict(document), options)
    except (jsonld.JsonLdError, ValueError) as exc:
        raise CanonicalisationError(f"cannot canonicalise the document: {_innermost(exc)}") from exc
    if not isinstance(result, str):
        raise CanonicalisationError("pyld returned no N-Quads")
    return result


def escape_literal(value: str) -> str:
    """A literal's content as pyld writes it in N-Quads (``pyld.nquads.escape``)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if '"' in value:
        value = value.replace('"', '\\"')
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    return value


# --- shapes ---------------------------------------------------------------------------------------

# Tokens of a shape: a flat tuple, cheaper to build and hash than nested ones. Keys are str and
# these are ints, so the sequence reads back one way only (object: OPEN (key value)* CLOSE).
_SLOT: Final = 0
_OPEN_OBJECT: Final = 1
_OPEN_LIST: Final = 2
_CLOSE: Final = 3


def _verbatim(value: Any) -> Hashable:
    # Most contexts and types are a string or a list of strings: cheaper than JSON.
    # (Tagged, so that no two different values share a key.)
    if isinstance(value, str):
        return ("s", value)
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                break
        else:
            return ("l", *value)
    try:
        return ("j", json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        raise CanonicalisationError(f"not a JSON value: {value!r}") from None


_VERBATIM_KEYS: Final = frozenset(("@context", "type", "@type"))


def _shape(document: Any, slots: list[str]) -> Hashable:
    """The shape of ``document`` (see the module docstring), appending its strings to ``slots``."""
    tokens: list[Any] = []
    _walk(document, tokens, slots)
    return tuple(tokens)


def _walk(node: Any, tokens: list[Any], slots: list[str]) -> None:
    kind = type(node)  # exact types first: isinstance against the ABCs is slow, and this runs per document
    if kind is str:
        slots.append(node)
        tokens.append(_SLOT)
    elif kind is dict or (kind is not list and isinstance(node, Mapping)):
        tokens.append(_OPEN_OBJECT)
        for key, value in node.items():
            if type(key) is not str:
                raise CanonicalisationError(f"JSON object keys are strings, got {key!r}")
            tokens.append(key)
            if key in _VERBATIM_KEYS:
                tokens.append(_verbatim(value))
            elif type(value) is str:
                slots.append(value)
                tokens.append(_SLOT)
            else:
                _walk(value, tokens, slots)
        tokens.append(_CLOSE)
    elif kind is list or kind is tuple:
        tokens.append(_OPEN_LIST)
        for item in node:
            if type(item) is str:
                slots.append(item)
                tokens.append(_SLOT)
            else:
                _walk(item, tokens, slots)
        tokens.append(_CLOSE)
    elif kind is bool or node is None:
        tokens.append(("=", node))  # True/False/None: distinct from every int and from each other
    elif kind is int:
        tokens.append(("i", node))
    elif kind is float:
        tokens.append(("=", _verbatim(node)))
    elif isinstance(node, str):  # a str subclass
        slots.append(str(node))
        tokens.append(_SLOT)
    else:
        raise CanonicalisationError(f"not a JSON value: {node!r}")


def _substitute(node: Any, values: list[str], position: list[int]) -> Any:
    """``node`` with its slots (in :func:`_shape` order) replaced by ``values``."""
    if isinstance(node, str):
        index = position[0]
        position[0] = index + 1
        return values[index]
    if isinstance(node, Mapping):
        return {
            key: value if key in _VERBATIM_KEYS else _substitute(value, values, position) for key, value in node.items()
        }
    if isinstance(node, list | tuple):
        return [_substitute(item, values, position) for item in node]
    return node


def _groups(slots: list[str]) -> tuple[tuple[int, ...], list[str]]:
    """The group of each slot (equal strings, numbered by first appearance) and each group's value."""
    numbers: dict[str, int] = {}
    partition = []
    for value in slots:
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = len(numbers)
        partition.append(number)
    return tuple(partition), list(numbers)


def _iri_class(value: str) -> tuple[str, bool] | None:
    """(scheme, whether ``//`` follows it) of an IRI-like string; None for other text."""
    match = _SCHEME.match(value)
    if match is None:
        return None
    scheme = match.group(1)
    return scheme, value.startswith("//", len(scheme) + 1)


# --- templates ------------------------------------------------------------------------------------

# A term of a template line: literal text, a group's value (as IRI, or escaped as a literal's
# content), or a blank node (by its index in the template).
_TEXT: Final = 0
_IRI: Final = 1
_LIT: Final = 2
_BNODE: Final = 3

Piece = tuple[int, Any]


class _Block:
    """Template lines compiled into one ``%`` format (lines joined by LF, without their final LF)
    over the per-document substitutions: each group's value (for IRIs), then each group's escaped
    value (for literals), then the blank-node labels. One format call renders all of them; LF
    cannot occur inside a line (pyld escapes it in literals, and an IRI with it is refused)."""

    __slots__ = ("empty", "format", "pick", "single")

    def __init__(self, lines: list[list[Piece]], groups: int) -> None:
        formats: list[str] = []
        indices: list[int] = []
        for pieces in lines:
            texts: list[str] = []
            for kind, item in pieces:
                if kind == _TEXT:
                    texts.append(item.replace("%", "%%"))
                    continue
                texts.append("%s")
                indices.append(item if kind == _IRI else item + groups if kind == _LIT else item + 2 * groups)
            line = "".join(texts)
            if not line.endswith(" .\n") or "\n" in line[:-1]:  # cannot happen: _parse builds every line so
                raise CanonicalisationError(f"internal: a template line is not one N-Quad: {line!r}")
            formats.append(line[:-1])
        self.format = "\n".join(formats)
        self.empty = not formats
        self.pick: Callable[[list[str]], Any] | None = operator.itemgetter(*indices) if indices else None
        self.single = len(indices) == 1

    def render(self, substitutions: list[str]) -> list[str]:
        """The lines, each without its final LF."""
        if self.empty:
            return []
        if self.pick is None:
            text = self.format
        elif self.single:
            text = self.format % (self.pick(substitutions),)
        else:
            text = self.format % self.pick(substitutions)
        return text.split("\n")


@dataclass(slots=True)
class _Template:
    partition: tuple[int, ...]
    fixed: dict[int, str]  # group -> its value (the template holds only for that value)
    iri_groups: dict[int, tuple[str, bool]]  # group -> required IRI class
    literal_groups: tuple[int, ...]
    lines: _Block  # blank nodes unlabelled
    bnode_lines: _Block  # each blank node's lines in turn, with itself _:a and the others _:z
    bnode_counts: tuple[int, ...]  # how many of those lines each blank node has
    fixed_iris: frozenset[str]
    usable: bool = True

    def matches(self, partition: tuple[int, ...], values: list[str]) -> bool:
        if partition != self.partition:
            return False
        for group, value in self.fixed.items():
            if values[group] != value:
                return False
        return all(_iri_class(values[group]) == required for group, required in self.iri_groups.items())


def _learn(
    document: Mapping[str, Any],
    partition: tuple[int, ...],
    values: list[str],
    reference: str,
    loader: DocumentLoader,
) -> _Template:
    """Build the template of ``document``'s shape from marker canonicalisations (see module doc)."""
    fixed: set[int] = set()
    nonce = uuid.uuid4().hex
    while True:
        tokens: dict[str, int] = {}
        markers: list[str] = []
        for group, value in enumerate(values):
            if group in fixed:
                markers.append(value)
                continue
            token = f"x{nonce}g{group}x"
            tokens[token] = group
            iri = _iri_class(value)
            markers.append(token if iri is None else f"{iri[0]}:{'//' if iri[1] else ''}{token}")
        if not tokens:
            output = reference
        else:
            slot_values = [markers[group] for group in partition]
            output = pyld_canonical_nquads(_substitute(document, slot_values, [0]), document_loader=loader)
        template = _parse(output, partition, values, markers, tokens, fixed, nonce)
        if isinstance(template, _Template):
            return template
        fixed |= template  # groups that did not appear cleanly: learn them with their values


def _parse(
    output: str,
    partition: tuple[int, ...],
    values: list[str],
    markers: list[str],
    tokens: dict[str, int],
    fixed: set[int],
    nonce: str,
) -> _Template | set[int]:
    """The template from marker output, or the set of groups that must be fixed."""
    unclean: set[int] = set()
    seen: set[int] = set()
    bnodes: dict[str, int] = {}
    lines: list[list[Piece]] = []
    fixed_iris: set[str] = set()
    usable = True
    raw_lines = [line + "\n" for line in output.split("\n")[:-1]]  # only LF ends a line (pyld escapes it)
    if "".join(raw_lines) != output:
        usable = False
    if len(set(raw_lines)) != len(raw_lines):
        usable = False  # pyld never writes a line twice; be safe if it ever does

    def groups_in(text: str) -> set[int]:
        return {group for token, group in tokens.items() if token in text} if nonce in text else set()

    for raw in raw_lines:
        match = _LINE.fullmatch(raw)
        if match is None:
            usable = False  # not a line we can take apart (e.g. an IRI with '>'): pyld only
            unclean |= groups_in(raw)
            continue
        terms = [term for term in match.groups() if term is not None]
        pieces: list[Piece] = []
        line_bnodes: list[int] = []
        for position, term in enumerate(terms):
            if position:
                pieces.append((_TEXT, " "))
            if term.startswith("_:"):
                index = bnodes.setdefault(term, len(bnodes))
                pieces.append((_BNODE, index))
                line_bnodes.append(index)
            elif term.startswith("<"):
                iri = term[1:-1]
                group = tokens.get(iri.rsplit(":", 1)[-1].lstrip("/")) if nonce in iri else None
                if group is not None and position != 1 and markers[group] == iri:
                    pieces.extend(((_TEXT, "<"), (_IRI, group), (_TEXT, ">")))
                    seen.add(group)
                else:
                    unclean |= groups_in(iri)
                    pieces.append((_TEXT, term))
                    fixed_iris.add(iri)
            else:
                literal = _LITERAL.fullmatch(term)
                assert literal is not None  # the line pattern guarantees it
                content, suffix = literal.group(1), literal.group(2)
                group = tokens.get(content)
                datatype = suffix[3:-1] if suffix.startswith("^^") else None
                if group is not None and position == 2 and datatype not in (_XSD_DOUBLE, _RDF_JSON):
                    pieces.extend(((_TEXT, '"'), (_LIT, group), (_TEXT, '"' + suffix)))
                    seen.add(group)
                    unclean |= groups_in(suffix)
                else:
                    unclean |= groups_in(term)
                    pieces.append((_TEXT, term))
        pieces.append((_TEXT, " .\n"))
        if len(line_bnodes) != len(set(line_bnodes)):
            usable = False  # a blank node twice in one quad: pyld hashes that quad twice
        lines.append(pieces)
    unclean |= set(tokens.values()) - seen  # dropped, e.g. a relative IRI or an ignored keyword
    if unclean:
        return unclean

    # Each blank node's first-degree lines: the line pieces with itself _:a and the others _:z.
    bnode_lines: list[list[list[Piece]]] = [[] for _ in bnodes]
    for pieces in lines:
        mentioned = {item for kind, item in pieces if kind == _BNODE}
        for node in mentioned:
            bnode_lines[node].append(
                [
                    (_TEXT, ("_:a" if item == node else "_:z")) if kind == _BNODE else (kind, item)
                    for kind, item in pieces
                ]
            )
    iri_groups: dict[int, tuple[str, bool]] = {}
    for pieces in lines:
        for kind, item in pieces:
            if kind == _IRI:
                required = _iri_class(values[item])
                if required is None or required[0] == "_":
                    usable = False
                else:
                    iri_groups[item] = required
    groups = len(values)
    return _Template(
        partition=partition,
        fixed={group: values[group] for group in fixed},
        iri_groups=iri_groups,
        literal_groups=tuple(sorted({item for pieces in lines for kind, item in pieces if kind == _LIT})),
        lines=_Block(lines, groups),
        bnode_lines=_Block([pieces for node_lines in bnode_lines for pieces in node_lines], groups),
        bnode_counts=tuple(len(node_lines) for node_lines in bnode_lines),
        fixed_iris=frozenset(fixed_iris),
        usable=usable,
    )


def _apply(template: _Template, values: list[str]) -> str | None:
    """The canonical N-Quads from ``template`` and the group ``values``; None to defer to pyld."""
    for group in template.iri_groups:
        value = values[group]
        if _ABSOLUTE_IRI.match(value) is None or value in template.fixed_iris:
            return None
    groups = len(values)
    substitutions = values + values  # second half: escaped, for the groups used as literals
    for group in template.literal_groups:
        substitutions[groups + group] = escape_literal(values[group])
    if template.bnode_counts:
        # Sorting lines without their final LF sorts them as with it: no line is a prefix of
        # another (each ends with " ." after a complete term), and LF sorts below every other
        # character a line can hold.
        hash_lines = template.bnode_lines.render(substitutions)
        hashes = []
        start = 0
        for node, count in enumerate(template.bnode_counts):
            mine = sorted(hash_lines[start : start + count])
            start += count
            hashes.append((hashlib.sha256(("\n".join(mine) + "\n").encode("utf-8")).hexdigest(), node))
        hashes.sort()
        labels = [""] * len(hashes)
        previous = None
        for position, (digest, node) in enumerate(hashes):
            if digest == previous:
                return None  # shared first-degree hash: the n-degree step decides, leave it to pyld
            previous = digest
            labels[node] = f"_:c14n{position}"
        substitutions.extend(labels)
    lines = template.lines.render(substitutions)
    if len(set(lines)) != len(lines):
        return None
    lines.sort()
    return "\n".join(lines) + "\n" if lines else ""


def _refuse(slots: list[str]) -> None:
    for value in slots:
        bad = _DIVERGENT.search(value)
        if bad is not None:
            raise CanonicalisationError(
                f"the text {value[:40]!r} contains the control character U+{ord(bad.group()):04X}, which "
                "RDFC-1.0 implementations escape differently; a proof over it would not verify elsewhere"
            )
        if _SURROGATE.search(value) is not None:
            raise CanonicalisationError(f"the text {value[:40]!r} contains a lone surrogate: not Unicode text")


class Canonicaliser:
    """RDFC-1.0 canonical N-Quads with a per-shape template cache (see the module docstring).

    Thread-safe; the counters say how often each path was taken (for tests and the benchmark).
    """

    def __init__(self, *, document_loader: DocumentLoader | None = None, fast: bool = True) -> None:
        self._loader = document_loader
        self._fast = fast
        self._lock = threading.Lock()
        self._templates: OrderedDict[Hashable, list[_Template]] = OrderedDict()
        self.fast_hits = 0
        self.learned = 0
        self.fallbacks = 0

    def _loader_or_default(self) -> DocumentLoader:
        return self._loader or _offline_loader()

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()
            self.fast_hits = self.learned = self.fallbacks = 0

    def canonical_nquads(self, document: Mapping[str, Any]) -> str:
        if not isinstance(document, Mapping):
            raise CanonicalisationError(f"a JSON-LD document is a JSON object, got {type(document).__name__}")
        slots: list[str] = []
        shape = _shape(document, slots)
        if _REFUSED.search("".join(slots)) is not None:
            _refuse(slots)
        if not self._fast:
            return pyld_canonical_nquads(document, document_loader=self._loader_or_default())
        partition, values = _groups(slots)
        # Hits take no lock: a dict read is atomic, and the counters are statistics.
        variants = self._templates.get(shape)
        if variants is not None:
            for template in variants:
                if template.matches(partition, values):
                    result = _apply(template, values) if template.usable else None
                    if result is not None:
                        self.fast_hits += 1
                        return result
                    break
            else:
                if len(variants) < _VARIANTS_PER_SHAPE:
                    return self._learn(shape, document, partition, values)
            with self._lock:
                self.fallbacks += 1
            return pyld_canonical_nquads(document, document_loader=self._loader_or_default())
        return self._learn(shape, document, partition, values)

    def _learn(
        self, shape: Hashable, document: Mapping[str, Any], partition: tuple[int, ...], values: list[str]
    ) -> str:
        loader = self._loader_or_default()
        reference = pyld_canonical_nquads(document, document_loader=loader)
        template = _learn(document, partition, values, reference, loader)
        if template.usable and _apply(template, values) != reference:
            template.usable = False  # never trust a template that does not reproduce its own source
        with self._lock:
            self.learned += 1
            variants = self._templates.setdefault(shape, [])
            if len(variants) < _VARIANTS_PER_SHAPE:
                variants.append(template)
            self._templates.move_to_end(shape)
            while len(self._templates) > _SHAPES:
                self._templates.popitem(last=False)
        return reference


_default = Canonicaliser()


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (the input to the proof hash).

    Byte-identical to :func:`pyld_canonical_nquads`; fast for shapes seen before. Raises
    :class:`CanonicalisationError` for a document that is not valid JSON-LD, names a context we
    do not hold, or contains text RDFC-1.0 implementations escape differently.
    """
    return _default.canonical_nquads(document)
