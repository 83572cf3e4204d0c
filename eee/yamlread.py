"""YAML text into Python values, from libyaml's event stream (`yamlcore`), within bounds: `loader` reads each
file through `read`.

Only what reading a file needs is here, with the `yaml` package it imports: a query that reads no file does not
pay for importing it (`loader.read_text` imports this module when a file is read).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

import yaml

from .catalogue import Y001, Y002, Y003, Y004, Y005, Y006, Y007, Y008, Y016, Code
from .diagnostics import excerpt
from .domain import number_fr
from .textcheck import control_characters, invisible_characters, reader_problem, syntax_problem
from .yamlcore import (
    AMBIGUOUS,
    BOOL,
    FLOAT,
    INT,
    NULL,
    SPECIAL_START,
    STR_TAGS,
    Alias,
    DocumentStart,
    MappingEnd,
    MappingStart,
    Parser,
    Scalar,
    SequenceEnd,
    SequenceStart,
    StreamEnd,
)

MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000  # values an alias may bring in, summed over a file
MAX_DIGITS = 4300  # Python converts no longer integer between text and number (sys.int_info.default_max_str_digits)
_INFINITY = float("inf")

Pointer = tuple[Any, ...]  # keys (str) and indexes (int) from the document root (as `loader.Pointer`)
Position = tuple[int, int]  # 1-based line and column
Located = tuple[dict[Pointer, Position], dict[Pointer, Position]]  # where each value starts, and each key


class _Stop(Exception):
    """Reading a document stopped on a problem (already recorded)."""


class _Track(Exception):
    """The quick reading met something it must report by position: read again, keeping positions."""


class _Builder:
    """Builds Python values from parser events, within bounds; with `track`, keeps every position too.

    Without `track` (the quick reading of a whole registry) no pointer is
    built; the first thing that needs one (a duplicate key, an ambiguous
    plain value) raises `_Track` and the file is read again with positions.
    (Hence the `type: ignore`s on pointers below: a pointer is None only without `track`.)
    """

    def __init__(self, doc: Any, track: bool) -> None:
        self.doc = doc
        self.track = track
        self.positions: dict[Pointer, Position] = {}
        self.key_positions: dict[Pointer, Position] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, size)
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0

    def problem(self, code: Code, line: int, col: int, message: str, hint: str = "") -> None:
        self.doc.problems.append(code.problem(self.doc.path, line, col, message, hint))

    def stop(self, code: Code, event: Any, message: str, hint: str) -> NoReturn:
        """Record a problem where `event` starts, and stop reading the file."""
        mark = event.start_mark
        self.problem(code, mark.line + 1, mark.column + 1, message, hint)
        raise _Stop

    def build(self, events: Iterator[Any]) -> Any:
        event = next(events)  # StreamStart
        event = next(events)
        if type(event) is StreamEnd:
            return _EMPTY
        value, _ = self.node(event, events, (), 0)
        next(events)  # DocumentEnd
        event = next(events)
        if type(event) is not StreamEnd:
            self.stop(
                Y002,
                event,
                "le fichier contient plusieurs documents YAML (séparateur « --- »)",
                "une entité par fichier : supprimez le second « --- » et déplacez la suite dans un autre fichier",
            )
        return value

    def node(self, event: Any, events: Iterator[Any], pointer: Pointer | None, depth: int) -> tuple[Any, int]:
        """Return (value, size in nodes) of the node starting with `event`."""
        cls = type(event)
        if cls is DocumentStart:
            event = next(events)
            cls = type(event)
        if self.track:
            mark = event.start_mark
            self.positions[pointer] = (mark.line + 1, mark.column + 1)  # type: ignore[index]
        if depth > MAX_DEPTH:
            self.stop(
                Y005,
                event,
                f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)",
                "une entité du registre n'a besoin que de quelques niveaux : simplifiez la structure",
            )
        if cls is Alias:
            return self.alias(event)
        anchor = event.anchor
        if anchor:
            self.open_anchors.add(anchor)
        tag = event.tag
        if tag is not None and tag not in STR_TAGS and not (
            cls is MappingStart and tag == "tag:yaml.org,2002:map"
        ) and not (cls is SequenceStart and tag == "tag:yaml.org,2002:seq"):
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.stop(
                Y004,
                event,
                f"étiquette YAML « {shown} » refusée",
                "le registre ne contient que du texte, des nombres, des listes et des tableaux : "
                "supprimez l'étiquette (seule « !!str » est acceptée)",
            )
        if cls is Scalar:
            size = 1
            value = event.value if tag is not None or event.style else self.plain(event.value, pointer)
        elif cls is SequenceStart:
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
        if first and first not in SPECIAL_START:
            return text  # most values: words
        if text in NULL:
            return None
        if text in BOOL:
            return BOOL[text]
        if INT.match(text):
            return int(text) if len(text) <= MAX_DIGITS else self.out_of_bounds(text, pointer)
        if FLOAT.match(text):
            number = float(text)
            return number if number not in (_INFINITY, -_INFINITY) else self.out_of_bounds(text, pointer)
        if AMBIGUOUS.match(text):
            if not self.track:
                raise _Track
            self.doc.ambiguous[pointer] = text
        return text

    def out_of_bounds(self, text: str, pointer: Pointer | None) -> str:
        """EEE-Y016 for a number no program could use (more digits than Python converts, or beyond a double)."""
        if not self.track:
            raise _Track
        line, col = self.positions[pointer]  # type: ignore[index]
        shown = text if len(text) <= 20 else f"{number_fr(sum(c.isdigit() for c in text))} chiffres"
        self.problem(Y016, line, col, f"nombre démesuré ({shown}) : il ne peut être ni lu "
                     "ni écrit", "un effectif ou une année tient en quelques chiffres : corrigez la valeur, ou mettez-la "
                     "entre guillemets si c'est un texte")
        return text

    def alias(self, event: Any) -> tuple[Any, int]:
        name = event.anchor
        if name in self.open_anchors:
            self.stop(
                Y005,
                event,
                f"l'alias « *{name} » se contient lui-même (structure récursive)",
                "recopiez la valeur au lieu d'utiliser un alias",
            )
        if name not in self.anchors:  # libyaml reports it first; kept for the pure parser
            self.stop(Y002, event, f"alias « *{name} » non défini", "définissez l'ancre « &" + name + " » avant de l'utiliser")
        value, size = self.anchors[name]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            self.stop(
                Y005,
                event,
                f"les alias de ce fichier développent plus de {MAX_ALIAS_NODES} valeurs (« bombe » YAML)",
                "recopiez les valeurs utiles au lieu d'imbriquer des alias",
            )
        return value, size

    def sequence(self, events: Iterator[Any], pointer: Pointer | None, depth: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        size = 1
        track = self.track
        while True:
            event = next(events)
            cls = type(event)
            if cls is SequenceEnd:
                return items, size
            if cls is Scalar and event.tag is None and event.anchor is None and not track and depth < MAX_DEPTH:  # the common case, inline
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
            if cls is MappingEnd:
                return result, size
            if cls is not Scalar:
                self.stop(
                    Y008,
                    event,
                    "une clé doit être un simple mot, pas une liste ni un tableau",
                    "écrivez la clé sous la forme « nom_de_cle: valeur »",
                )
            key = event.value
            if key == "<<" and not event.style:
                self.stop(
                    Y004,
                    event,
                    "la fusion de tableaux « << » n'est pas acceptée",
                    "recopiez les clés voulues dans ce tableau",
                )
            if key in result:
                if not track:
                    raise _Track
                first = self.key_positions.get(pointer + (key,), (event.start_mark.line + 1,))  # type: ignore[operator]
                self.stop(
                    Y003,
                    event,
                    f"la clé « {key} » apparaît deux fois (première fois ligne {first[0]})",
                    "gardez une seule de ces clés : YAML ne garderait que la dernière sans prévenir",
                )
            if track:
                child = pointer + (key,)  # type: ignore[operator]
                self.key_positions[child] = (event.start_mark.line + 1, event.start_mark.column + 1)
                value, n = self.node(next(events), events, child, depth + 1)
            else:
                event = next(events)
                if type(event) is Scalar and event.tag is None and event.anchor is None and depth < MAX_DEPTH:  # inline
                    result[key] = event.value if event.style else self.plain(event.value, None)
                    size += 2
                    continue
                value, n = self.node(event, events, None, depth + 1)
            result[key] = value
            size += n + 1


_EMPTY = object()


def read(doc: Any, text: str, track: bool) -> Located | None:
    """Build `doc.data` (a `loader.SourceDoc`) from YAML text, recording problems in `doc`; with `track`, the
    positions of its values and keys (also when the quick reading had to read again with them)."""
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        doc.problems.append(Y001.problem(doc.path, line, index - text.rfind("\n", 0, index),
                                         "le fichier contient un caractère nul (fichier binaire ?)",
                                         "seuls des fichiers texte YAML en UTF-8 sont lus"))
        return None
    invisible = invisible_characters(doc.path, text)
    if invisible:
        doc.problems.extend(invisible)
        return None
    builder = _Builder(doc, track)
    located = (builder.positions, builder.key_positions) if track else None
    try:
        value = builder.build(iter(Parser(text).get_event, None))
    except _Track:
        return read(doc, text, track=True)
    except _Stop:
        return located
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(syntax_problem(doc.path, exc, text))
        return located
    except yaml.reader.ReaderError as exc:  # a control character
        doc.problems.append(reader_problem(doc.path, exc, text))
        return located
    except yaml.YAMLError:  # pragma: no cover - any other parser failure
        doc.problems.append(Y002.problem(doc.path, 1, 1,
                                         "erreur de lecture YAML", "vérifiez la syntaxe du fichier"))
        return located
    if value is _EMPTY or value is None:
        doc.problems.append(Y006.problem(doc.path, 0, 0, "le fichier est vide",
                                         "remplissez-le (eee new crée un modèle) ou supprimez-le"))
        return located
    if not isinstance(value, dict):
        line, col = doc.positions.get((), (1, 1))
        shown = "une liste" if isinstance(value, list) else f"la valeur « {excerpt(str(value))} »"
        doc.problems.append(Y007.problem(doc.path, line, col,
                                         f"le fichier doit décrire une entité (des « clé: valeur »), il contient {shown}",
                                         "commencez le fichier par « id: … » puis « nom: … », sans tiret en début de ligne"))
        return located
    if "\\" in text:  # only an escape (« \e », « \x1b »…) makes a control character
        controls = control_characters(doc.path, value, doc.position)
        if controls:
            doc.problems.extend(controls)
            return located
    doc.data = value
    return located
