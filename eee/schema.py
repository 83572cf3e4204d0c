"""The JSON Schemas of the registry: walking them, and validating documents.

`SchemaSet` reads `schemas/*.schema.json` with the standard `json` module; it
answers questions about the data model (titles, vocabularies, which fields are
references) without importing jsonschema. `SchemaSet.check(doc)` validates a
document: most documents are valid, and a quick check (`validity.py`) says so
without jsonschema; the others go through jsonschema, whose errors become French
`Problem`s located at the line and column of the offending key or value.
jsonschema is imported only there.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from .catalogue import S001, S002, S003, S004, S005, S006, S007, Code
from .diagnostics import Problem
from .errors import SchemaFileError
from .kinds import KINDS
from .loader import Pointer, SourceDoc
from .settings import schemas_dir
from .suggest import closest

COMMON = "common.schema.json"
REF_KEYWORD = "x-eee-ref"
LABELS_KEYWORD = "x-eee-libelles"

# The validation keywords turned into precise messages; the schemas use no other.
HANDLED_KEYWORDS = {
    "additionalProperties", "required", "type", "enum", "pattern", "format", "minLength", "maxLength",
    "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems",
}

_TYPE_FR = {
    "string": "du texte",
    "integer": "un nombre entier",
    "number": "un nombre",
    "boolean": "true ou false",
    "array": "une liste",
    "object": "un tableau de clés (« clé: valeur »)",
    "null": "vide",
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)  # fullmatch: « 2023-02-31\n » is not a well-formed date


def _fixed(text: str, pattern: str) -> str | None:
    """The value the user probably meant, if folding case and accents makes it match the pattern:
    « Forum Métiers Foix » → forum-metiers-foix for an id, « sirène » → sirene for a field name. The pattern is
    read as the validators read it (ECMA-262: « 2A004\n » does not meet ^…$); none is offered if it cannot be."""
    from .validity import Unsupported, compile_pattern

    try:
        search = compile_pattern(pattern).search
    except Unsupported:
        return None
    for candidate in (text.strip(), _slug(text), _slug(text).replace("-", "_"), text.upper()):
        if candidate != text and search(candidate):
            return candidate
    return None


def _slug(text: str) -> str:
    """The identifier a user probably meant: « Forum Métiers Foix » → forum-metiers-foix."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text))


_FRENCH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")  # fullmatch


def _calendar_date(year: int, month: int, day: int) -> bool:
    import datetime as dt

    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True
_YES_NO = {"yes", "no", "y", "n", "on", "off", "oui", "non", "vrai", "faux"}


def python_type_fr(value: Any) -> str:
    if value is None:
        return "vide"
    if isinstance(value, bool):
        return f"le booléen {str(value).lower()}"
    if isinstance(value, int):
        return f"le nombre {value}"
    if isinstance(value, float):
        return f"le nombre {value}"
    if isinstance(value, str):
        return f"le texte « {value} »"
    if isinstance(value, list):
        return "une liste"
    return "un tableau de clés"


def pointer_text(pointer: Pointer) -> str:
    """A JSON pointer as the user reads it: co_animation.partenaire, membres.etablissements[2]."""
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(racine)"


class SchemaSet:
    """All schemas of the registry, loaded once."""

    @classmethod
    def installed(cls) -> SchemaSet:
        """The installation's schemas (`settings.schemas_dir`), read once per process: they do not change while
        eee runs. Every command and service takes them from here; a new `SchemaSet(folder)` is for other folders."""
        folder = schemas_dir()
        found = _INSTALLED.get(folder)
        if found is None:
            found = _INSTALLED[folder] = cls(folder)
        return found

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.schemas: dict[str, dict[str, Any]] = {}
        self._merged: dict[int, dict[str, Any]] = {}
        self._plans: dict[int, Any] = {}
        self._raw_nodes: dict[tuple[str, Pointer], dict[str, Any] | None] = {}  # by the pointer as given
        self._children: dict[tuple[int, str | int], dict[str, Any] | None] = {}
        self._labels: dict[str, Mapping[str, str]] = {}
        names = [COMMON] + [k.schema_file for k in KINDS.values()]
        for name in names:
            path = folder / name
            try:
                self.schemas[name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                from .files import unreadable

                raise SchemaFileError(f"le schéma « {path} » est illisible ({unreadable(exc)})",
                                      "réinstallez eee ou restaurez le dossier schemas/") from None

    # ------------------------------------------------------------ walking

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow one `$ref`. Kind schemas refer only to common.schema.json, whose
        own references are local (`#/$defs/…`): a bare fragment means that file."""
        file, _, fragment = node["$ref"].partition("#")
        target: Any = self.schemas[file or COMMON]
        for part in [p for p in fragment.split("/") if p]:
            target = target[part]
        return target

    def annotations(self, node: dict[str, Any]) -> dict[str, Any]:
        """A node's keywords merged along its `$ref` chain; the outermost wins (memoised: schemas never change)."""
        key = id(node)
        found = self._merged.get(key)
        if found is None:
            found = self._merged[key] = self._annotations(node)
        return found

    def _annotations(self, node: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for _ in range(16):
            for key, value in node.items():
                merged.setdefault(key, value)
            if "$ref" not in node:
                break
            node = self.resolve(node)
        return merged

    def node_at(self, kind: str, pointer: Pointer) -> dict[str, Any] | None:
        """The (merged) schema node that describes the value at `pointer`, if any (memoised by pointer; each
        step is `child`, where list indexes do not matter: every item of a list has the same schema)."""
        raw = (kind, pointer if isinstance(pointer, tuple) else tuple(pointer))
        found = self._raw_nodes.get(raw, _UNKNOWN)
        if found is _UNKNOWN:
            node: dict[str, Any] | None = self.kind_node(kind)
            for part in raw[1]:
                node = self.child(node, part)  # type: ignore[arg-type]
                if node is None:
                    break
            found = self._raw_nodes[raw] = node
        return found  # type: ignore[return-value]

    def kind_node(self, kind: str) -> dict[str, Any]:
        """The (merged) schema node of a kind's documents."""
        return self.annotations(self.schemas[KINDS[kind].schema_file])

    def child(self, node: dict[str, Any], part: str | int) -> dict[str, Any] | None:
        """The (merged) node under a merged `node` for a key, or for any item of a list (an int), if any
        (memoised: a walk down a document along its schema, as pages are made, asks this for every value)."""
        key = (id(node), part if isinstance(part, str) else 0)
        found = self._children.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            below = node.get("items") if isinstance(part, int) else (node.get("properties") or {}).get(part)
            found = self._children[key] = self.annotations(below) if isinstance(below, dict) else None
        return found  # type: ignore[return-value]

    def title(self, kind: str, pointer: Pointer) -> str:
        node = self.node_at(kind, pointer)
        return (node or {}).get("title", "")

    def property_names(self, kind: str, pointer: Pointer) -> list[str]:
        node = self.node_at(kind, pointer)
        return sorted((node or {}).get("properties", {}))

    def labels(self, vocabulary: str) -> Mapping[str, str]:
        """The French labels of a vocabulary of common.schema.json (e.g. type_action): read-only, shared (a
        listing asks for them once per cell)."""
        found = self._labels.get(vocabulary)
        if found is None:
            found = self._labels[vocabulary] = MappingProxyType(
                dict(self.schemas[COMMON]["$defs"][vocabulary].get(LABELS_KEYWORD, {})))
        return found

    @cached_property
    def vocabularies(self) -> dict[str, dict[str, Any]]:
        return {name: node for name, node in self.schemas[COMMON]["$defs"].items() if "enum" in node}

    @cached_property
    def academie_of_departement(self) -> dict[str, str]:
        return dict(self.schemas[COMMON]["$defs"]["departement"]["x-eee-academie"])

    def references(self, kind: str, data: Any) -> Iterator[tuple[Pointer, str, tuple[str, ...]]]:
        """Every reference in a document: (pointer, target id, allowed kinds)."""
        plan = self._plan(self.schemas[KINDS[kind].schema_file])
        if plan is not None:
            yield from _follow(plan, data, ())

    def _plan(self, node: dict[str, Any]) -> Any:
        """Where references can be under a schema node, or None if nowhere (memoised): a tuple of
        allowed kinds at a reference, ("[]", plan) for a list's items, {key: plan} for a mapping."""
        key = id(node)
        if key in self._plans:
            return self._plans[key]
        self._plans[key] = None  # the schemas have no cycle; this only guards the walk
        merged = self.annotations(node)
        plan: Any = None
        if REF_KEYWORD in merged:
            plan = tuple(merged[REF_KEYWORD])
        elif isinstance(merged.get("properties"), dict):
            plan = {name: child for name, sub in merged["properties"].items()
                    if isinstance(sub, dict) and (child := self._plan(sub)) is not None} or None
        elif isinstance(merged.get("items"), dict):
            child = self._plan(merged["items"])
            plan = ("[]", child) if child is not None else None
        self._plans[key] = plan
        return plan

    # ------------------------------------------------------------ validating

    def dereferenced(self, node: Any) -> Any:
        """A copy of a schema with every `$ref` replaced by what it points to (the schemas have no cycle).

        Validating against it spares jsonschema a reference lookup for every value of every file,
        which dominated the time of `eee validate` (benchmarks/README.md)."""
        if isinstance(node, list):
            return [self.dereferenced(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            merged = {k: v for k, v in self.annotations(node).items() if k != "$ref"}
            return self.dereferenced(merged)
        return {k: self.dereferenced(v) if k not in (LABELS_KEYWORD, "x-eee-academie") else v for k, v in node.items()}

    @cached_property
    def _validators(self) -> dict[str, Any]:
        import jsonschema

        checker = jsonschema.FormatChecker(formats=["date"])
        validators = {}
        for kind in KINDS.values():
            schema = self.dereferenced(self.schemas[kind.schema_file])
            cls = _ecma_patterns(jsonschema.validators.validator_for(schema))
            validators[kind.name] = cls(schema, format_checker=checker)
        return validators

    @cached_property
    def _quick(self) -> dict[str, Any]:
        """Per kind, a function that says whether a value certainly meets the schema (`validity.py`):
        most files are valid, and this spares them jsonschema (about 25 times slower per file, and
        0.1 s to import). A kind whose schema uses a keyword it does not know is left out."""
        from .validity import Unsupported, compile_schema

        compiled = {}
        for kind in KINDS.values():
            try:
                compiled[kind.name] = compile_schema(self.dereferenced(self.schemas[kind.schema_file]))
            except Unsupported:
                continue
        return compiled

    def prepare(self) -> None:
        """Build the quick validators now (before worker processes are forked, so that they inherit them).
        jsonschema is imported only where a file needs it, that is, where a file has a problem."""
        self._quick

    def check(self, doc: SourceDoc) -> list[Problem]:
        """Schema problems of one read document (which must have data and a kind)."""
        assert doc.kind is not None
        quick = self._quick.get(doc.kind.name)
        if quick is not None and quick(doc.data):
            return []
        validator = self._validators[doc.kind.name]  # one jsonschema pass: its errors (none if it is valid after all)
        problems: dict[Pointer, Problem] = {}
        for error in sorted(validator.iter_errors(doc.data), key=_relevance):
            for pointer, problem in self._problems(doc, error):
                problems.setdefault(pointer, problem)
        # A misspelt required key is one mistake: the unknown key's « vouliez-vous dire » says it all.
        misspelt = {pointer[:-1] + (p.hint.split("« ")[1].split(" »")[0],)
                    for pointer, p in problems.items() if p.code == S001.code and p.hint.startswith("vouliez-vous")}
        return [p for pointer, p in problems.items() if not (p.code == S002.code and pointer in misspelt)]

    def _problems(self, doc: SourceDoc, error: Any) -> Iterator[tuple[Pointer, Problem]]:
        kind = doc.kind.name  # type: ignore[union-attr]
        path: Pointer = tuple(error.absolute_path)
        entity = doc.data.get("id", "") if isinstance(doc.data, dict) else ""
        entity = entity if isinstance(entity, str) else ""
        keyword = error.validator
        instance = error.instance
        name = pointer_text(path)
        title = self.title(kind, path)
        about = f"« {name} »" + (f" ({title})" if title and name != "(racine)" else "")

        def make(code: Code, pointer: Pointer, message: str, hint: str, key: bool = False) -> tuple[Pointer, Problem]:
            line, col = doc.position(pointer, key=key)
            return pointer, code.problem(doc.path, line, col, message, hint, entity)

        if keyword == "additionalProperties" and isinstance(instance, dict):
            allowed = self.property_names(kind, path)
            for key in instance:
                if key in allowed:
                    continue
                guess = closest(str(key), allowed)
                hint = (f"vouliez-vous dire « {guess} » ?" if guess
                        else "clés possibles ici : " + ", ".join(allowed))
                where = f" dans « {name} »" if path else ""
                yield make(S001, path + (key,), f"clé « {key} » inconnue{where}", hint, key=True)
        elif keyword == "required" and isinstance(instance, dict):
            for key in error.validator_value:
                if key in instance:
                    continue
                child_title = self.title(kind, path + (key,))
                node = self.node_at(kind, path + (key,)) or {}
                where = f" dans « {name} »" if path else ""
                label = f" ({child_title})" if child_title else ""
                hint = f"ajoutez « {key}: … »" + (f" — {node['description']}" if node.get("description") else "")
                yield make(S002, path + (key,), f"clé obligatoire « {key} »{label} manquante{where}", hint)
        elif keyword == "type":
            expected = error.validator_value
            expected = expected if isinstance(expected, list) else [expected]
            wanted = " ou ".join(_TYPE_FR.get(t, t) for t in expected)
            node = self.node_at(kind, path) or {}
            hint = _type_hint(expected, instance)
            if isinstance(instance, int) and not isinstance(instance, bool) and str(instance).zfill(2) in node.get("enum", []):
                hint = f"écrivez le code entre guillemets, sur deux chiffres : \"{str(instance).zfill(2)}\""
            yield make(S003, path, f"{about} doit être {wanted}, pas {python_type_fr(instance)}", hint)
        elif keyword == "enum":
            choices = [str(c) for c in error.validator_value]
            guess = closest(str(instance), choices)
            node = self.node_at(kind, path) or {}
            labels = node.get(LABELS_KEYWORD, {})
            listed = ", ".join(f"{c} ({labels[c]})" if c in labels and labels[c] != c else c for c in choices)
            if isinstance(instance, int) and str(instance).zfill(2) in choices:
                hint = f"écrivez le code entre guillemets : \"{str(instance).zfill(2)}\""
            elif guess:
                hint = f"vouliez-vous dire « {guess} » ? Valeurs possibles : {listed}"
            else:
                hint = f"valeurs possibles : {listed}"
            yield make(S004, path, f"valeur {_shown(instance)} inconnue pour {about}", hint)
        elif keyword in ("pattern", "format"):
            node = self.node_at(kind, path) or {}
            hint = node.get("description") or error.schema.get("description", "vérifiez le format attendu")
            french_date = _FRENCH_DATE.fullmatch(instance) if isinstance(instance, str) else None
            if french_date:
                day, month, year = (int(part) for part in french_date.groups())
                hint = (f"écrivez la date sous la forme AAAA-MM-JJ : {year:04d}-{month:02d}-{day:02d}"
                        if _calendar_date(year, month, day) else
                        f"le {instance} n'existe pas dans le calendrier : vérifiez le jour et le mois, "
                        "puis écrivez la date sous la forme AAAA-MM-JJ")
            elif keyword == "format" and isinstance(instance, str) and _ISO_DATE.fullmatch(instance):
                hint = "le format est bon mais cette date n'existe pas dans le calendrier : vérifiez le jour et le mois"
            elif isinstance(instance, str) and node.get("pattern") and _fixed(instance, node["pattern"]):
                fixed = _fixed(instance, node["pattern"])
                hint = (f"sans l'espace ou le retour à la ligne du début ou de la fin, la valeur est valide : « {fixed} »"
                        if fixed == instance.strip() else
                        f"sans majuscule, accent ni espace, la valeur est valide : « {fixed} »")
            yield make(S005, path, f"{_shown(instance)} n'est pas une valeur valide pour {about}", hint)
        elif keyword in ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
                         "exclusiveMinimum", "exclusiveMaximum"):
            yield make(S006, path, f"{about} : {_bound_fr(keyword, error.validator_value, instance)}",
                       _bound_hint(keyword))
        elif keyword == "uniqueItems" and isinstance(instance, list):
            index = next((j for j in range(len(instance)) if instance[j] in instance[:j]), 0)
            first = instance.index(instance[index])
            yield make(S007, path + (index,),
                       f"la liste {about} contient deux fois {_shown(instance[index])} (éléments {first + 1} et {index + 1})",
                       "supprimez le doublon")
        else:  # a keyword the schemas do not use today (a test keeps HANDLED_KEYWORDS complete)
            yield make(S005, path, f"{about} ne respecte pas le schéma ({error.message})",
                       "vérifiez cette valeur avec la description du champ")


_UNKNOWN = object()
_INSTALLED: dict[Path, SchemaSet] = {}  # by folder: SchemaSet.installed


def _ecma_patterns(cls: Any) -> Any:
    """jsonschema's validator class with `pattern` read as an ECMA-262 regular expression (`compile_pattern`), as
    the quick verdict reads it: Python's own reading differs (^[a-z]+$ took "abc\\n"). A pattern that
    `compile_pattern` cannot translate is left to jsonschema's own `pattern` (memoised, by class)."""
    found = _ECMA_CLASSES.get(cls)
    if found is not None:
        return found
    from jsonschema.exceptions import ValidationError
    from jsonschema.validators import extend

    from .validity import Unsupported, compile_pattern

    own = cls.VALIDATORS["pattern"]
    compiled: dict[str, Any] = {}  # pattern → its search, or None where jsonschema's own reading applies

    def pattern(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if not validator.is_type(instance, "string"):
            return
        search = compiled.get(value, _UNKNOWN) if isinstance(value, str) else None
        if search is _UNKNOWN:
            try:
                search = compiled[value] = compile_pattern(value).search
            except Unsupported:
                search = compiled[value] = None
        if search is None:
            yield from own(validator, value, instance, schema)
        elif search(instance) is None:
            yield ValidationError(f"{instance!r} does not match {value!r}")

    found = _ECMA_CLASSES[cls] = extend(cls, {"pattern": pattern})
    return found


_ECMA_CLASSES: dict[Any, Any] = {}


def _follow(plan: Any, value: Any, pointer: Pointer) -> Iterator[tuple[Pointer, str, tuple[str, ...]]]:
    if isinstance(plan, dict):
        if isinstance(value, dict):
            for key, item in value.items():  # in the file's order
                child = plan.get(key)
                if child is not None:
                    yield from _follow(child, item, pointer + (key,))
    elif plan[0] == "[]":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _follow(plan[1], item, pointer + (index,))
    elif isinstance(value, str):
        yield pointer, value, plan


def _relevance(error: Any) -> tuple[int, int]:
    order = {"type": 0, "additionalProperties": 1, "required": 1, "enum": 2, "pattern": 3, "format": 4}
    return (len(error.absolute_path), order.get(error.validator, 5))


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"« {value} »"
    return python_type_fr(value)


def _type_hint(expected: list[str], value: Any) -> str:
    if "string" in expected and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"mettez la valeur entre guillemets pour la garder telle quelle, par exemple \"{value}\""
    if "string" in expected and isinstance(value, bool):
        return "YAML lit true/false comme un booléen : mettez le texte entre guillemets"
    if "string" in expected and value is None:
        return "complétez la valeur, ou supprimez la clé si l'information n'est pas connue (et ajoutez-la à a_completer)"
    if "boolean" in expected and isinstance(value, str):
        if value.lower() in _YES_NO:
            return f"écrivez true ou false (« {value} » reste du texte dans le registre)"
        return "écrivez true ou false, sans guillemets"
    if "integer" in expected or "number" in expected:
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return f"écrivez le nombre sans guillemets ni zéro initial : {int(value)}"
        if isinstance(value, float):
            return "écrivez un nombre entier, sans virgule"
        return "écrivez un nombre, sans guillemets"
    if "array" in expected:
        return "écrivez une liste, un élément par ligne commençant par « - », ou [a, b]"
    if "object" in expected:
        return "écrivez les clés de ce bloc sur les lignes suivantes, indentées de deux espaces"
    return "corrigez le type de la valeur"


def _bound_fr(keyword: str, bound: Any, value: Any) -> str:
    if keyword == "minLength":
        return "le texte est vide" if bound <= 1 else f"le texte doit avoir au moins {bound} caractères"
    if keyword == "maxLength":
        return f"le texte dépasse {bound} caractères"
    if keyword == "minItems":
        return "la liste est vide" if bound <= 1 else f"la liste doit avoir au moins {bound} éléments"
    if keyword == "maxItems":
        return f"la liste dépasse {bound} éléments"
    if keyword in ("minimum", "exclusiveMinimum"):
        return f"{value} est trop petit (minimum {bound})"
    return f"{value} est trop grand (maximum {bound})"


def _bound_hint(keyword: str) -> str:
    if keyword in ("minLength", "minItems"):
        return "complétez la valeur, ou supprimez la clé et notez l'information dans a_completer"
    if keyword in ("minimum", "exclusiveMinimum"):
        return "un nombre de bénéficiaires ou une durée ne peut pas être négatif"
    return "raccourcissez la valeur"
