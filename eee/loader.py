"""Find the registry's files and read them safely, keeping every value's position.

YAML is read from libyaml's event stream (the C parser where available) and
built here, so that:
- no type is guessed: only plain `true`/`false`, `null`/`~`, decimal integers
  without a leading zero and plain decimals become non-strings (the YAML 1.2
  core schema); `NO`, `oui`, `01000`, `0145671234`, `18:30` and `2023-04-05`
  stay the text the user wrote, and the schema reports them where it wants
  another type;
- duplicate keys, object-building tags, recursive or exploding aliases and
  excessive nesting are problems, not crashes (libyaml's own composer
  segfaults on very deep nesting, which is why nodes are not composed);
- the position of every key and value is kept, by JSON pointer.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from .catalogue import (
    Y001, Y002, Y003, Y004, Y005, Y006, Y007, Y008, Y009, Y010, Y011, Y012, Y013, Y015, Y016, Code,
)
from .diagnostics import Problem
from .files import reason
from .kinds import KIND_BY_FOLDER, KINDS, NETWORK_FILE, Kind
from .suggest import closest

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml._yaml import CParser as _Parser  # libyaml's C parser, ~10 times faster than the pure one
except ImportError:  # pragma: no cover
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000  # values an alias may bring in, summed over a file
MAX_DIGITS = 4300  # Python converts no longer integer between text and number (sys.int_info.default_max_str_digits)
_INFINITY = float("inf")
YEAR_FOLDER = re.compile(r"^\d{4}-\d{4}\Z")

Pointer = tuple[Any, ...]  # keys (str) and indexes (int) from the document root
Position = tuple[int, int]  # 1-based line and column

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_START = frozenset("0123456789+-.~nNtTfFyYoO")  # first letters of non-text or ambiguous plain values
_STR_TAGS = {"!", "tag:yaml.org,2002:str"}
# Plain scalars kept as text here that YAML 1.1 or 1.2 tools (editors among them) read as a number or a
# boolean: digits with a leading zero, the YAML 1.1 booleans, sexagesimal numbers.
_AMBIGUOUS = re.compile(r"^(?:[-+]?0[0-9_]+|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[0-9]+(?::[0-5]?[0-9])+)\Z")


@dataclass(slots=True)
class SourceDoc:
    """One file of the registry, read: its data, read problems and, on demand, positions.

    Positions are worked out only when asked for (a problem to report, a
    rename): reading without them is faster and lighter, and most files of a
    registry never have anything to report. `text` is kept for that purpose.
    """

    path: str  # relative to the registry, POSIX separators
    kind: Kind | None
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    ambiguous: dict[Pointer, str] = field(default_factory=dict)  # plain scalars other YAML tools read otherwise
    text: str | bytes | None = field(default=None, repr=False)  # bytes: not decoded yet
    # The registry folder, when `text` was not kept (the file is unchanged since the cache saw it):
    # its bytes are read again from there if positions are asked for.
    root: str | None = field(default=None, repr=False)
    _located: tuple[dict[Pointer, Position], dict[Pointer, Position]] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return isinstance(self.data, dict) and not (self.problems and any(p.is_error for p in self.problems))

    @property
    def positions(self) -> dict[Pointer, Position]:
        """Where each value starts, by JSON pointer (1-based line and column)."""
        return self._locate()[0]

    @property
    def key_positions(self) -> dict[Pointer, Position]:
        """Where each mapping key starts, by the pointer of its value."""
        return self._locate()[1]

    def _locate(self) -> tuple[dict[Pointer, Position], dict[Pointer, Position]]:
        if self._located is None:
            located = SourceDoc(self.path, self.kind)
            raw = self.text
            if raw is None and self.root is not None:
                raw = read_bytes(self.root, self.path)[0]
            text = decode(located, raw) if isinstance(raw, bytes) else raw
            if text is not None:
                _read(located, text, track=True)
            self._located = (located._located or ({}, {}))
        return self._located

    def position(self, pointer: Pointer, key: bool = False) -> Position:
        """Where a value (or its key) starts; the nearest enclosing value if unknown."""
        pointer = tuple(pointer)
        positions, key_positions = self._locate()
        if key and pointer in key_positions:
            return key_positions[pointer]
        while pointer:
            if pointer in positions:
                return positions[pointer]
            pointer = pointer[:-1]
        return positions.get((), (1, 1))

    @property
    def stem(self) -> str:
        """The file name without its extension: the entity's id."""
        name = self.path.rpartition("/")[2]
        return name.rpartition(".")[0] if "." in name[1:] else name


# --------------------------------------------------------------------------- reading


class _Stop(Exception):
    """Reading a document stopped on a problem (already recorded)."""


class _Track(Exception):
    """The quick reading met something it must report by position: read again, keeping positions."""


class _Builder:
    """Builds Python values from parser events, within bounds; with `track`, keeps every position too.

    Without `track` (the quick reading of a whole registry) no pointer is
    built; the first thing that needs one (a duplicate key, an ambiguous
    plain value) raises `_Track` and the file is read again with positions.
    """

    def __init__(self, doc: SourceDoc, track: bool) -> None:
        self.doc = doc
        self.track = track
        self.positions: dict[Pointer, Position] = {}
        self.key_positions: dict[Pointer, Position] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, size)
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0

    def problem(self, code: Code, line: int, col: int, message: str, hint: str = "") -> None:
        self.doc.problems.append(code.problem(self.doc.path, line, col, message, hint))

    def build(self, events: Iterator[Any]) -> Any:
        event = next(events)  # StreamStart
        event = next(events)
        if type(event) is _StreamEnd:
            return _EMPTY
        value, _ = self.node(event, events, (), 0)
        next(events)  # DocumentEnd
        event = next(events)
        if type(event) is not _StreamEnd:
            self.problem(
                Y002,
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                "le fichier contient plusieurs documents YAML (séparateur « --- »)",
                "une entité par fichier : supprimez le second « --- » et déplacez la suite dans un autre fichier",
            )
            raise _Stop
        return value

    def node(self, event: Any, events: Iterator[Any], pointer: Pointer | None, depth: int) -> tuple[Any, int]:
        """Return (value, size in nodes) of the node starting with `event`."""
        cls = type(event)
        if cls is _DocumentStart:
            event = next(events)
            cls = type(event)
        if self.track:
            mark = event.start_mark
            self.positions[pointer] = (mark.line + 1, mark.column + 1)  # type: ignore[index]
        if depth > MAX_DEPTH:
            self.problem(
                Y005,
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)",
                "une entité du registre n'a besoin que de quelques niveaux : simplifiez la structure",
            )
            raise _Stop
        if cls is _Alias:
            return self.alias(event)
        anchor = event.anchor
        if anchor:
            self.open_anchors.add(anchor)
        tag = event.tag
        if tag is not None and tag not in _STR_TAGS and not (
            cls is _MappingStart and tag == "tag:yaml.org,2002:map"
        ) and not (cls is _SequenceStart and tag == "tag:yaml.org,2002:seq"):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(
                Y004,
                event.start_mark.line + 1,
                event.start_mark.column + 1,
                f"étiquette YAML « {shown} » refusée",
                "le registre ne contient que du texte, des nombres, des listes et des tableaux : "
                "supprimez l'étiquette (seule « !!str » est acceptée)",
            )
            raise _Stop
        if cls is _Scalar:
            size = 1
            value = event.value if tag is not None or event.style else self.plain(event.value, pointer)
        elif cls is _SequenceStart:
            value, size = self.sequence(events, pointer, depth)
        else:
            value, size = self.mapping(events, pointer, depth)
        if anchor:
            self.open_anchors.discard(anchor)
            self.anchors[anchor] = (value, size)
        return value, size

    def plain(self, text: str, pointer: Pointer | None) -> Any:
        """The value of a plain (unquoted, untagged) scalar: YAML 1.2 core schema only."""
        first = text[:1]
        if first and first not in _SPECIAL_START:
            return text  # most values: words
        if text in _NULL:
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _INT.match(text):
            return int(text) if len(text) <= MAX_DIGITS else self.out_of_bounds(text, pointer)
        if _FLOAT.match(text):
            number = float(text)
            return number if number not in (_INFINITY, -_INFINITY) else self.out_of_bounds(text, pointer)
        if _AMBIGUOUS.match(text):
            if not self.track:
                raise _Track
            self.doc.ambiguous[pointer] = text  # type: ignore[index]
        return text

    def out_of_bounds(self, text: str, pointer: Pointer | None) -> str:
        """EEE-Y016 for a number no program could use (more digits than Python converts, or beyond a double)."""
        if not self.track:
            raise _Track
        line, col = self.positions[pointer]  # type: ignore[index]
        shown = text if len(text) <= 20 else f"{_bytes_fr(sum(c.isdigit() for c in text))} chiffres"
        self.problem(Y016, line, col, f"nombre démesuré ({shown}) : il ne peut être ni lu "
                     "ni écrit", "un effectif ou une année tient en quelques chiffres : corrigez la valeur, ou mettez-la "
                     "entre guillemets si c'est un texte")
        return text

    def alias(self, event: Any) -> tuple[Any, int]:
        name = event.anchor
        line, col = event.start_mark.line + 1, event.start_mark.column + 1
        if name in self.open_anchors:
            self.problem(
                Y005,
                line,
                col,
                f"l'alias « *{name} » se contient lui-même (structure récursive)",
                "recopiez la valeur au lieu d'utiliser un alias",
            )
            raise _Stop
        if name not in self.anchors:  # libyaml reports it first; kept for the pure parser
            self.problem(Y002, line, col, f"alias « *{name} » non défini", "définissez l'ancre « &" + name + " » avant de l'utiliser")
            raise _Stop
        value, size = self.anchors[name]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.problem(
                Y005,
                line,
                col,
                f"les alias de ce fichier développent plus de {MAX_ALIAS_NODES} valeurs (« bombe » YAML)",
                "recopiez les valeurs utiles au lieu d'imbriquer des alias",
            )
            raise _Stop
        return value, size

    def sequence(self, events: Iterator[Any], pointer: Pointer | None, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        size = 1
        track = self.track
        while True:
            event = next(events)
            cls = type(event)
            if cls is _SequenceEnd:
                return items, size
            if cls is _Scalar and event.tag is None and event.anchor is None and not track and depth < MAX_DEPTH:  # the common case, inline
                items.append(event.value if event.style else self.plain(event.value, None))
                size += 1
                continue
            value, n = self.node(event, events, pointer + (len(items),) if track else None, depth + 1)  # type: ignore[operator]
            items.append(value)
            size += n

    def mapping(self, events: Iterator[Any], pointer: Pointer | None, depth: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        size = 1
        track = self.track
        while True:
            event = next(events)
            cls = type(event)
            if cls is _MappingEnd:
                return result, size
            if cls is not _Scalar:
                self.problem(
                    Y008,
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                    "une clé doit être un simple mot, pas une liste ni un tableau",
                    "écrivez la clé sous la forme « nom_de_cle: valeur »",
                )
                raise _Stop
            key = event.value
            if key == "<<" and not event.style:
                self.problem(
                    Y004,
                    event.start_mark.line + 1,
                    event.start_mark.column + 1,
                    "la fusion de tableaux « << » n'est pas acceptée",
                    "recopiez les clés voulues dans ce tableau",
                )
                raise _Stop
            if key in result:
                if not track:
                    raise _Track
                kline, kcol = event.start_mark.line + 1, event.start_mark.column + 1
                first = self.key_positions.get(pointer + (key,), (kline, kcol))  # type: ignore[operator]
                self.problem(
                    Y003,
                    kline,
                    kcol,
                    f"la clé « {key} » apparaît deux fois (première fois ligne {first[0]})",
                    "gardez une seule de ces clés : YAML ne garderait que la dernière sans prévenir",
                )
                raise _Stop
            if track:
                child = pointer + (key,)  # type: ignore[operator]
                self.key_positions[child] = (event.start_mark.line + 1, event.start_mark.column + 1)
                value, n = self.node(next(events), events, child, depth + 1)
            else:
                event = next(events)
                if type(event) is _Scalar and event.tag is None and event.anchor is None and depth < MAX_DEPTH:  # inline
                    result[key] = event.value if event.style else self.plain(event.value, None)
                    size += 2
                    continue
                value, n = self.node(event, events, None, depth + 1)
            result[key] = value
            size += n + 1


_StreamEnd = yaml.StreamEndEvent
_DocumentStart = yaml.DocumentStartEvent
_Alias = yaml.AliasEvent
_Scalar = yaml.ScalarEvent
_SequenceStart, _SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_MappingStart, _MappingEnd = yaml.MappingStartEvent, yaml.MappingEndEvent
_EMPTY = object()

_SYNTAX_FR = [
    ("mapping values are not allowed", "deux-points inattendu : une valeur contient « : » ou l'indentation est décalée",
     "mettez la valeur entre guillemets si elle contient « : », sinon alignez la clé sur les autres"),
    ("'\\t' that cannot start any token", "tabulation interdite : YAML s'indente avec des espaces",
     "remplacez les tabulations par des espaces (réglage « indenter avec des espaces » de l'éditeur)"),
    ("that cannot start any token", "caractère interdit à cet endroit (« @ », « ` » ou « % » en début de valeur ?)",
     "YAML n'accepte pas les tabulations pour indenter : utilisez des espaces ; mettez entre guillemets une valeur qui commence par @ ou `"),
    ("did not find expected key", "clé attendue : l'indentation de cette ligne ne correspond pas au bloc",
     "alignez cette ligne sur les autres clés du même bloc"),
    ("did not find expected '-' indicator", "élément de liste attendu (« - ») : l'indentation ne correspond pas",
     "alignez les éléments de la liste ou retirez le décalage"),
    ("did not find expected ',' or ']'", "ce crochet « [ » n'est jamais refermé",
     "ajoutez le « ] » manquant en fin de liste, ou séparez les éléments par des virgules"),
    ("did not find expected ',' or '}'", "cette accolade « { » n'est jamais refermée",
     "ajoutez l'« } » manquante, ou séparez les éléments par des virgules"),
    ("quoted scalar found unexpected end of stream", "ces guillemets ne sont jamais refermés",
     "refermez les guillemets à la fin de la valeur"),
    ("while scanning a quoted scalar", "ces guillemets ne sont pas refermés sur la même valeur",
     "refermez les guillemets à la fin de la valeur ; une apostrophe dans un texte entre apostrophes s'écrit ''"),
    ("expected <block end>", "indentation incohérente : cette ligne ne s'aligne sur aucun bloc",
     "alignez cette ligne sur les clés du même bloc (mêmes espaces en début de ligne)"),
    ("found undefined alias", "alias non défini", "définissez l'ancre (&nom) avant d'utiliser l'alias (*nom), ou recopiez la valeur"),
    ("could not find expected ':'", "« : » attendu après la clé", "écrivez « cle: valeur » (avec un espace après les deux-points)"),
    ("found unknown escape character", "séquence d'échappement inconnue entre guillemets doubles",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("control characters are not allowed", "caractère de contrôle interdit dans le fichier", "supprimez ce caractère invisible"),
    ("found a tab character", "tabulation interdite à cet endroit", "remplacez les tabulations par des espaces"),
    ("did not find expected node content", "valeur attendue", "complétez la valeur ou supprimez le séparateur en trop"),
    ("did not find expected <document start>", "contenu inattendu après la fin du document", "vérifiez l'indentation de cette ligne"),
    ("found duplicate anchor", "ancre définie deux fois", "donnez un nom différent à chaque ancre (&nom)"),
    ("did not find expected hexdecimal number", "séquence d'échappement incomplète entre guillemets doubles "
     "(« \\x », « \\u » ou « \\U » sans ses chiffres hexadécimaux)",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("found invalid Unicode character escape code", "séquence d'échappement d'un caractère Unicode qui n'existe pas",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("found unexpected document indicator", "« --- » ou « ... » en début de ligne à l'intérieur d'un texte entre "
     "guillemets", "indentez cette ligne du texte"),
    ("found unexpected ':'", "deux-points inattendu dans une valeur", "mettez la valeur entre guillemets"),
    ("block sequence entries are not allowed", "élément de liste (« - ») inattendu à cet endroit",
     "alignez le tiret sous la clé de la liste, ou mettez la valeur entre guillemets"),
    ("mapping keys are not allowed", "clé inattendue à cet endroit", "vérifiez l'indentation de cette ligne"),
    ("found an indentation indicator equal to 0", "indicateur d'indentation 0 après « | » ou « > »",
     "écrivez « | » ou « > » seul (ou suivi d'un chiffre de 1 à 9)"),
    ("while scanning a block scalar", "texte inattendu après « | » ou « > » sur la même ligne",
     "le texte d'un bloc commence à la ligne suivante"),
    ("while scanning an anchor", "nom d'ancre (&) ou d'alias (*) invalide",
     "mettez la valeur entre guillemets si elle commence par « & » ou « * »"),
    ("while scanning an alias", "nom d'ancre (&) ou d'alias (*) invalide",
     "mettez la valeur entre guillemets si elle commence par « & » ou « * »"),
    ("while scanning a tag", "étiquette YAML (« ! ») mal écrite",
     "mettez la valeur entre guillemets si elle commence par « ! »"),
    ("found undefined tag handle", "étiquette YAML (« ! ») inconnue",
     "mettez la valeur entre guillemets si elle commence par « ! »"),
    ("directive", "directive YAML (« % ») inconnue, répétée ou mal écrite",
     "supprimez la ligne qui commence par « % » : le registre n'en a pas besoin"),
    ("found incompatible YAML document", "version de YAML non prise en charge (%YAML)",
     "supprimez la ligne qui commence par « %YAML »"),
    ("did not find expected comment or line break", "texte inattendu en fin de ligne",
     "mettez la valeur entre guillemets, ou passez à la ligne"),
    ("did not find expected <stream-end>", "contenu inattendu après la fin du document",
     "vérifiez l'indentation de cette ligne"),
]


def _syntax_problem(doc: SourceDoc, exc: yaml.MarkedYAMLError, text: str) -> None:
    english = " ".join(x for x in (exc.context, exc.problem) if x)
    mark = exc.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        english = "'\\t' that cannot start any token"  # libyaml does not name the character: a tab
    # An unclosed quote or bracket is noticed far below: point at where it was opened.
    opened = exc.context and exc.context.startswith(("while scanning a quoted scalar", "while parsing a flow"))
    mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "maximum nesting depth" in english:  # libyaml ≥ 0.2.6 stops at its own depth limit first
        doc.problems.append(Y005.problem(doc.path, line, col,
                                         "imbrication trop profonde (au-delà de ce que lit YAML)",
                                         "une entité du registre n'a besoin que de quelques niveaux : simplifiez la structure"))
        return
    message, hint = "erreur de syntaxe YAML à cet endroit", "vérifiez l'indentation et les guillemets de cette ligne"
    for needle, fr, fr_hint in _SYNTAX_FR:
        if needle in english:
            message, hint = f"erreur de syntaxe YAML : {fr}", fr_hint
            break
    doc.problems.append(Y002.problem(doc.path, line, col, message, hint))


def decode(doc: SourceDoc, raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        doc.problems.append(Y001.problem(
            doc.path, 0, 0,
            "le fichier est encodé en UTF-16, pas en UTF-8",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if _utf16_without_bom(raw):
        doc.problems.append(Y001.problem(
            doc.path, 0, 0,
            "le fichier est encodé en UTF-16 (sans indicateur d'ordre des octets), pas en UTF-8",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        doc.problems.append(Y001.problem(
            doc.path, line, col,
            f"le fichier n'est pas encodé en UTF-8 (octet 0x{raw[exc.start]:02X} illisible ; Latin-1 ou Windows-1252 ?)",
            "réenregistrez le fichier en UTF-8 (menu « Enregistrer sous… », encodage UTF-8)",
        ))
        return None


def excerpt(text: str, width: int = 40) -> str:
    """A value as a message can quote it: on one line, invisible characters as « ? », cut if long."""
    shown = " ".join(text.split())
    shown = "".join(c if c.isprintable() else "?" for c in shown)
    return shown if len(shown) <= width else shown[:width - 1] + "…"


def _utf16_without_bom(raw: bytes) -> bool:
    """Text in UTF-16: a nul byte beside most characters of its start (every other byte)."""
    head = raw[:2000]
    if len(head) < 4 or b"\x00" not in head:
        return False
    half = len(head) // 2
    return head[1::2].count(0) > 0.4 * half or head[0::2].count(0) > 0.4 * half


def read_text(doc: SourceDoc, text: str) -> SourceDoc:
    """Build `doc.data` from YAML text, recording problems in `doc` (positions are found on demand)."""
    doc.text = text
    _read(doc, text, track=False)
    return doc


def _read(doc: SourceDoc, text: str, track: bool) -> SourceDoc:
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        doc.problems.append(Y001.problem(doc.path, line, index - text.rfind("\n", 0, index),
                                         "le fichier contient un caractère nul (fichier binaire ?)",
                                         "seuls des fichiers texte YAML en UTF-8 sont lus"))
        return doc
    if _INVISIBLE.search(text) is not None and _invisible_characters(doc, text):
        return doc
    builder = _Builder(doc, track)
    try:
        value = builder.build(iter(_Parser(text).get_event, None))  # type: ignore[attr-defined]
    except _Track:
        return _read(doc, text, track=True)
    except _Stop:
        return doc
    except yaml.MarkedYAMLError as exc:
        _syntax_problem(doc, exc, text)
        return doc
    except yaml.reader.ReaderError as exc:  # a control character; carries an offset, not a mark
        index = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, index) + 1
        doc.problems.append(Y002.problem(doc.path, line, index - text.rfind("\n", 0, index),
                                         f"caractère de contrôle interdit (U+{exc.character:04X}) dans le fichier"
                                         if isinstance(exc.character, int) else "caractère interdit dans le fichier",
                                         "supprimez ce caractère invisible (souvent issu d'un copier-coller)"))
        return doc
    except yaml.YAMLError:  # pragma: no cover - any other parser failure
        doc.problems.append(Y002.problem(doc.path, 1, 1,
                                         "erreur de lecture YAML", "vérifiez la syntaxe du fichier"))
        return doc
    finally:
        if track:
            doc._located = (builder.positions, builder.key_positions)
    if value is _EMPTY or value is None:
        doc.problems.append(Y006.problem(doc.path, 0, 0, "le fichier est vide",
                                         "remplissez-le (eee new crée un modèle) ou supprimez-le"))
        return doc
    if not isinstance(value, dict):
        line, col = doc.positions.get((), (1, 1))
        shown = "une liste" if isinstance(value, list) else f"la valeur « {excerpt(str(value))} »"
        doc.problems.append(Y007.problem(doc.path, line, col,
                                         f"le fichier doit décrire une entité (des « clé: valeur »), il contient {shown}",
                                         "commencez le fichier par « id: … » puis « nom: … », sans tiret en début de ligne"))
        return doc
    if "\\" in text and _control_characters(doc, value):  # only an escape (« \e », « \x1b »…) makes one
        return doc
    doc.data = value
    return doc


# --------------------------------------------------------------------------- what the eye does not see

# Line breaks for YAML that git, grep and most editors do not show as such (NEL, LINE and PARAGRAPH
# SEPARATOR), and bidirectional controls that reorder what is shown (« Trojan Source »): refused anywhere.
_HIDDEN_BREAKS = "\x85\u2028\u2029"
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Every invisible format character (Unicode category Cf, with the breaks above): allowed inside a text value
# (a soft hyphen, a joiner in an emoji), never in a comment, a key or between the tokens of the file.
_INVISIBLE = re.compile(f"[{_HIDDEN_BREAKS}{_BIDI}\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001-\U000e007f]")
_ALWAYS_REFUSED = re.compile(f"[{_HIDDEN_BREAKS}{_BIDI}]")
# Control characters a value may hold only through an escape of a double-quoted text (« \e », « \u2028 »):
# never shown, some drive a terminal (ESC), others break a line (CR, LS) or reorder the text (bidirectional
# controls, refused anywhere else too). Tab and line feed are text.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_HIDDEN_BREAKS}{_BIDI}]")
_NAMES = {"\x85": "NEL, saut de ligne", "\u2028": "séparateur de ligne", "\u2029": "séparateur de paragraphe",
          "\u200b": "espace sans chasse", "\u00ad": "trait d'union conditionnel", "\ufeff": "indicateur d'ordre "
          "des octets", "\u200e": "marque gauche-à-droite", "\u200f": "marque droite-à-gauche",
          "\x1b": "échappement", "\r": "retour chariot"}


def _character(char: str) -> str:
    name = _NAMES.get(char)
    if name is None and ("\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"):
        name = "contrôle bidirectionnel"
    return f"U+{ord(char):04X}" + (f", {name}" if name else "")


def _invisible_characters(doc: SourceDoc, text: str) -> bool:
    """EEE-Y015 for each invisible character outside a text value (and hidden line breaks and bidirectional
    controls anywhere); True if any was found. Positions count only the line feeds editors show."""
    spans = _value_spans(text)
    found = False
    for match in _INVISIBLE.finditer(text):
        index = match.start()
        char = match.group()
        if not _ALWAYS_REFUSED.match(char) and any(start <= index < end for start, end in spans):
            continue
        found = True
        line = text.count("\n", 0, index) + 1
        col = index - text.rfind("\n", 0, index)
        if char in _HIDDEN_BREAKS:
            message = (f"caractère invisible ({_character(char)}) : YAML y voit un retour à la ligne, "
                       "mais ni git ni la plupart des éditeurs ne le montrent")
        elif _ALWAYS_REFUSED.match(char):
            message = f"caractère invisible ({_character(char)}) : il change l'ordre d'affichage du texte"
        else:
            message = f"caractère invisible ({_character(char)}) hors d'une valeur (commentaire, clé ou mise en forme)"
        doc.problems.append(Y015.problem(doc.path, line, col, message,
                                         "supprimez ce caractère (souvent issu d'un copier-coller) : rien ne doit être "
                                         "caché dans un fichier du registre"))
    return found


def _value_spans(text: str) -> list[tuple[int, int]]:
    """Where the text values of a file are (character offsets), keys excluded; none if it cannot be read."""
    spans: list[tuple[int, int]] = []
    roles: list[str] = []  # per open collection: "key" or "value" (what a mapping awaits next), or "item"
    try:
        for event in iter(_Parser(text).get_event, None):  # type: ignore[attr-defined]
            cls = type(event)
            if cls is _MappingEnd or cls is _SequenceEnd:
                roles.pop()
                continue
            if cls not in (_Scalar, _Alias, _MappingStart, _SequenceStart):
                continue
            role = roles[-1] if roles else "item"
            if role != "item":
                roles[-1] = "value" if role == "key" else "key"
            if cls is _Scalar and role != "key":
                spans.append((event.start_mark.index, event.end_mark.index))
            elif cls is _MappingStart:
                roles.append("key")
            elif cls is _SequenceStart:
                roles.append("item")
    except yaml.YAMLError:
        pass  # the values read before the error keep their spans; the syntax error is reported on its own
    return spans


def _control_characters(doc: SourceDoc, value: Any) -> bool:
    """EEE-Y015 for each key or text value holding a control character (written as an escape); True if any."""
    found: list[tuple[Pointer, str, bool]] = []

    def walk(item: Any, pointer: Pointer) -> None:
        if isinstance(item, str):
            match = _CONTROL.search(item)
            if match:
                found.append((pointer, match.group(), False))
        elif isinstance(item, dict):
            for key, child in item.items():
                match = _CONTROL.search(key)
                if match:
                    found.append((pointer + (key,), match.group(), True))
                walk(child, pointer + (key,))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                walk(child, pointer + (index,))

    walk(value, ())
    for pointer, char, is_key in found:
        line, col = doc.position(pointer, key=is_key)
        where = "une clé" if is_key else "une valeur"
        doc.problems.append(Y015.problem(doc.path, line, col,
                                         f"caractère de contrôle ({_character(char)}) dans {where}, écrit par une séquence "
                                         "d'échappement : invisible à l'écran, il peut brouiller un terminal ou une page",
                                         "supprimez la séquence d'échappement (« \\e », « \\x1b », « \\r »…) ; "
                                         "pour un retour à la ligne, écrivez le texte en bloc avec « | »"))
    return bool(found)


# --------------------------------------------------------------------------- discovery


def _problem(path: str, code: Code, message: str, hint: str) -> Problem:
    return code.problem(path, 0, 0, message, hint)


@dataclass
class Discovery:
    """What `discover` found: entity files, problems, and YAML files it did not read."""

    files: list[tuple[str, Kind]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[tuple[str, Kind | None]] = field(default_factory=list)  # misplaced, linked out, .yml


def discover(root: Path) -> Discovery:
    """The registry's entity files (relative path, kind), and problems with misplaced files.

    Folders are walked top-down, each one's files before its subfolders, in name order; symbolic
    links are followed inside the registry only. Nothing but the folders is read: whether an entry
    is a folder or a link comes with the folder's listing (`os.scandir`).
    """
    found = Discovery()
    problems, files = found.problems, found.files
    real_root = os.path.realpath(root)
    seen_dirs: set[str] = set()
    folders = sorted(KIND_BY_FOLDER)

    def inside(path: str) -> bool:
        real = os.path.realpath(path)
        return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)

    def is_dir(entry: os.DirEntry[str]) -> bool:
        try:
            return entry.is_dir()
        except OSError:
            return False

    def walk(dirpath: str, parts: tuple[str, ...]) -> None:
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            return
        seen_dirs.add(real)
        prefix = "/".join(parts) + "/" if parts else ""
        try:
            with os.scandir(dirpath) as listing:
                entries = sorted(listing, key=_name)
        except OSError as exc:
            if parts:  # the registry itself was checked when it was chosen (settings)
                problems.append(_problem(prefix, Y001, f"le dossier « {prefix} » ne peut pas être lu "
                                         f"({reason(exc)}) : ses fichiers ne sont pas vérifiés",
                                         "vérifiez vos droits sur ce dossier"))
            return
        subfolders = []
        # The kind of the files of this folder when it is where they belong: each .yaml file that is not a
        # link is then taken as is (what `_place` would decide about it, without asking for each file).
        kind = KIND_BY_FOLDER.get(parts[0]) if parts else None
        here = kind if kind is not None and len(parts) == (2 if kind.by_year else 1) \
            and (not kind.by_year or YEAR_FOLDER.match(parts[1])) else None
        for entry in entries:
            name = entry.name
            if not name.isascii() and not _utf8(name):  # a name the system could not decode: never read
                shown = prefix + name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                problems.append(_problem(shown, Y001, f"le nom « {shown} » n'est pas en UTF-8 : ce fichier "
                                         "ou dossier n'est pas lu", "renommez-le avec des lettres, chiffres et tirets"))
                continue
            folder = is_dir(entry)
            if here is not None and not folder and name.endswith(".yaml") and name[0] != "." \
                    and not entry.is_symlink():
                files.append((prefix + name, here))
                continue
            if folder:
                if name.startswith((".", "_")):
                    continue
                if entry.is_symlink() and not inside(entry.path):
                    rel = prefix + name
                    problems.append(_problem(rel, Y009, f"le dossier « {rel} » est un lien vers l'extérieur du registre",
                                             "placez les fichiers dans le registre lui-même au lieu d'un lien symbolique"))
                    continue
                subfolders.append(entry)
                continue
            if name.startswith("."):
                continue
            _place(prefix + name, name, parts, entry, inside, found, folders)
        for entry in subfolders:
            walk(entry.path, (*parts, entry.name))

    walk(str(root), ())
    return found


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode's surrogates: bytes that are no UTF-8
        return False
    return True


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _place(rel: str, name: str, parts: tuple[str, ...], entry: os.DirEntry[str], inside: Any,
           found: Discovery, folders: list[str]) -> None:
    """Where one file of the registry belongs: an entity file of its kind, or a problem."""
    files, problems, skipped = found.files, found.problems, found.skipped
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    is_yaml = suffix in (".yaml", ".yml")
    if not parts:  # top level
        if name == NETWORK_FILE:
            files.append((rel, KINDS["reseau"]))
        elif is_yaml:
            skipped.append((rel, None))
            problems.append(_problem(rel, Y012, f"« {rel} » n'est rangé dans aucun dossier de type",
                                     "à la racine du registre, seul reseau.yaml est lu : déplacez ce fichier dans "
                                     + ", ".join(f"{f}/" for f in folders)))
        return
    kind = KIND_BY_FOLDER.get(parts[0])
    if kind is None:
        if is_yaml:
            skipped.append((rel, None))
            guess = closest(parts[0], folders)
            hint = f"vouliez-vous dire « {guess}/ » ?" if guess else "dossiers connus : " + ", ".join(f"{f}/" for f in folders)
            problems.append(_problem(rel, Y012, f"le dossier « {parts[0]}/ » n'est pas un dossier du registre", hint))
        return
    if entry.is_symlink() and not inside(entry.path):
        skipped.append((rel, kind))
        problems.append(_problem(rel, Y009, f"« {rel} » est un lien vers un fichier hors du registre",
                                 "copiez le fichier dans le registre au lieu d'un lien symbolique"))
        return
    if suffix == ".yml":
        skipped.append((rel, kind))
        problems.append(_problem(rel, Y010, f"« {rel} » a l'extension .yml : il ne serait pas lu",
                                 f"renommez-le « {name[:dot]}.yaml »"))
        return
    if not is_yaml:
        problems.append(_problem(rel, Y011, f"« {rel} » n'est pas un fichier .yaml : il est ignoré",
                                 "retirez-le du dossier, ou donnez-lui l'extension .yaml s'il décrit une entité"))
        return
    expected_depth = 2 if kind.by_year else 1
    if len(parts) != expected_depth or (kind.by_year and not YEAR_FOLDER.match(parts[1])):
        skipped.append((rel, kind))
        where = f"{kind.folder}/<année scolaire>/, par exemple {kind.folder}/2022-2023/" if kind.by_year else f"{kind.folder}/"
        problems.append(_problem(rel, Y012, f"« {rel} » n'est pas à sa place", f"rangez-le directement dans {where}"))
        return
    files.append((rel, kind))


def read_bytes(root: Path | str, rel: str) -> tuple[bytes | None, Problem | None]:
    """A registry file's bytes, or the problem that kept them from being read (missing, unreadable, too big,
    not a regular file).

    The file is opened without blocking and read only if it is a regular file: a named pipe (or a
    link to one, or to a device) would otherwise hold every command forever.
    """
    try:
        fd = os.open(os.path.join(root, rel), _READ_FLAGS)
    except OSError as exc:
        return None, _unreadable(rel, exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, _problem(rel, Y001, f"« {rel} » n'est pas un fichier ordinaire (tube, périphérique "
                                  "ou autre fichier spécial) : il n'est pas lu",
                                  "remplacez-le par un fichier YAML ordinaire, ou retirez-le du registre")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None, _problem(rel, Y013, f"le fichier fait {_bytes_fr(info.st_size)} octets, au-delà de la "
                                  f"limite de {_bytes_fr(MAX_FILE_BYTES)} octets (5 Mio)",
                                  "une entité tient en quelques kilo-octets : découpez le fichier ou retirez ce "
                                  "qui n'est pas une entité")
    except OSError as exc:
        return None, _unreadable(rel, exc)
    finally:
        os.close(fd)
    return raw, None


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _bytes_fr(n: int) -> str:
    """20 000 000: thousands apart by a narrow no-break space, as French writes them."""
    return f"{n:,}".replace(",", "\u202f")


def _unreadable(rel: str, exc: OSError) -> Problem:
    return _problem(rel, Y001, f"le fichier ne peut pas être lu ({reason(exc)})",
                    "vérifiez qu'il existe et que vous avez le droit de le lire")


def load_file(root: Path, rel: str, kind: Kind | None) -> SourceDoc:
    doc = SourceDoc(rel, kind)
    raw, problem = read_bytes(root, rel)
    if raw is None:
        doc.problems.append(problem)  # type: ignore[arg-type]
        return doc
    text = decode(doc, raw)
    if text is None:
        return doc
    return read_text(doc, text)


def load_registry(root: Path) -> tuple[list[SourceDoc], Discovery]:
    """Read every entity file of the registry; one bad file never stops the others."""
    found = discover(root)
    return [load_file(root, rel, kind) for rel, kind in found.files], found
