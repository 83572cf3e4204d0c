"""Validating a document with jsonschema, and its errors as French problems (EEE-S…).

Imported only for a document that the quick verdict (`validity`, through `SchemaSet.check`) cannot declare
valid: `validators` builds jsonschema's validators (jsonschema is imported here only), `problems` turns
their errors into French `Problem`s located at the line and column of the offending key or value, each
with a hint (« vouliez-vous dire… », the date as it should be written, the value without its accents…).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .catalogue import S001, S002, S003, S004, S005, S006, S007, Code
from .diagnostics import Problem
from .domain import slug
from .kinds import KINDS
from .loader import Pointer, SourceDoc
from .schema import LABELS_KEYWORD, SchemaSet, pointer_text
from .suggest import closest
from .textcheck import character

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
    for candidate in (text.strip(), slug(text), slug(text, "_"), text.upper()):
        if candidate != text and _matches(pattern, candidate):
            return candidate
    return None


def _matches(pattern: str, text: str) -> bool:
    """Whether a schema's pattern finds `text`, read as the validators read it (ECMA-262); False if it cannot be."""
    from .validity import Unsupported, compile_pattern

    try:
        return compile_pattern(pattern).search(text) is not None
    except Unsupported:
        return False


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


def validators(schemas: SchemaSet) -> dict[str, Any]:
    """Per kind, a jsonschema validator of its schema, dereferenced (`SchemaSet.dereferenced`), with `pattern`
    read as ECMA-262 (`_ecma_patterns`) and `format: date` checked."""
    import jsonschema

    checker = jsonschema.FormatChecker(formats=["date"])
    found = {}
    for kind in KINDS.values():
        schema = schemas.dereferenced(schemas.schemas[kind.schema_file])
        cls = _ecma_patterns(jsonschema.validators.validator_for(schema))
        found[kind.name] = cls(schema, format_checker=checker)
    return found


def problems(schemas: SchemaSet, doc: SourceDoc, validator: Any) -> list[Problem]:
    """The schema problems of a read document, from one pass of its kind's validator (none if it is valid after
    all): one per place, the most telling first."""
    found: dict[Pointer, Problem] = {}
    for error in sorted(validator.iter_errors(doc.data), key=_relevance):
        for pointer, problem in _problems(schemas, doc, error):
            found.setdefault(pointer, problem)
    # A misspelt required key is one mistake: the unknown key's « vouliez-vous dire » says it all.
    misspelt = {pointer[:-1] + (p.hint.split("« ")[1].split(" »")[0],)
                for pointer, p in found.items() if p.code == S001.code and p.hint.startswith("vouliez-vous")}
    return [p for pointer, p in found.items() if not (p.code == S002.code and pointer in misspelt)]


def _problems(schemas: SchemaSet, doc: SourceDoc, error: Any) -> Iterator[tuple[Pointer, Problem]]:
    assert doc.kind is not None  # SchemaSet.check's documents have a kind
    kind = doc.kind.name
    path: Pointer = tuple(error.absolute_path)
    entity = doc.data.get("id", "") if isinstance(doc.data, dict) else ""
    entity = entity if isinstance(entity, str) else ""
    keyword = error.validator
    instance = error.instance
    name = pointer_text(path)
    title = schemas.title(kind, path)
    about = f"« {name} »" + (f" ({title})" if title and name != "(racine)" else "")

    def make(code: Code, pointer: Pointer, message: str, hint: str, key: bool = False) -> tuple[Pointer, Problem]:
        line, col = doc.position(pointer, key=key)
        return pointer, code.problem(doc.path, line, col, message, hint, entity)

    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = schemas.property_names(kind, path)
        for key in instance:
            if key in allowed:
                continue
            where = f" dans « {name} »" if path else ""
            spaces = _odd_spaces(str(key))
            bare = "".join(ch for ch in str(key) if ch not in spaces).strip()
            if spaces and bare in allowed:  # (an office suite's autocorrect: « date_fin : » with a non-breaking space)
                shown = " et ".join(f"({character(ch)})" for ch in spaces)
                yield make(S001, path + (key,), f"clé « {bare} » écrite avec une espace invisible dans l'éditeur {shown}"
                           f"{where}",
                           f"supprimez cette espace : écrivez « {bare}: valeur », les deux-points collés à la clé",
                           key=True)
                continue
            guess = closest(str(key), allowed)
            hint = (f"vouliez-vous dire « {guess} » ?" if guess
                    else "clés possibles ici : " + ", ".join(allowed))
            yield make(S001, path + (key,), f"clé « {key} » inconnue{where}", hint, key=True)
    elif keyword == "required" and isinstance(instance, dict):
        for key in error.validator_value:
            if key in instance:
                continue
            child_title = schemas.title(kind, path + (key,))
            node = schemas.node_at(kind, path + (key,)) or {}
            where = f" dans « {name} »" if path else ""
            label = f" ({child_title})" if child_title else ""
            hint = f"ajoutez « {key}: … »" + (f" — {node['description']}" if node.get("description") else "")
            yield make(S002, path + (key,), f"clé obligatoire « {key} »{label} manquante{where}", hint)
    elif keyword == "type":
        named = error.validator_value  # a JSON type name, or a list of them
        expected: list[str] = named if isinstance(named, list) else [named]
        wanted = " ou ".join(_TYPE_FR.get(t, t) for t in expected)
        node = schemas.node_at(kind, path) or {}
        hint = _type_hint(expected, instance)
        if isinstance(instance, int) and not isinstance(instance, bool) and str(instance).zfill(2) in node.get("enum", []):
            hint = f"écrivez le code entre guillemets, sur deux chiffres : \"{str(instance).zfill(2)}\""
        yield make(S003, path, f"{about} doit être {wanted}, pas {python_type_fr(instance)}", hint)
    elif keyword == "enum":
        choices = [str(c) for c in error.validator_value]
        guess = closest(str(instance), choices)
        node = schemas.node_at(kind, path) or {}
        labels = node.get(LABELS_KEYWORD, {})
        listed = ", ".join(f"{c} ({labels[c]})" if c in labels and labels[c] != c else c for c in choices)
        unquoted = _without_typographic_quotes(instance)
        if isinstance(instance, int) and str(instance).zfill(2) in choices:
            hint = f"écrivez le code entre guillemets : \"{str(instance).zfill(2)}\""
        elif unquoted is not None and unquoted in choices:
            hint = _TYPOGRAPHIC_HINT.format(unquoted)
        elif guess:
            hint = f"vouliez-vous dire « {guess} » ? Valeurs possibles : {listed}"
        else:
            hint = f"valeurs possibles : {listed}"
        yield make(S004, path, f"valeur {_shown(instance)} inconnue pour {about}", hint)
    elif keyword in ("pattern", "format"):
        node = schemas.node_at(kind, path) or {}
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
        elif (unquoted := _without_typographic_quotes(instance)) is not None and node.get("pattern") \
                and _matches(node["pattern"], unquoted):
            hint = _TYPOGRAPHIC_HINT.format(unquoted)
        elif isinstance(instance, str) and node.get("pattern") and _fixed(instance, node["pattern"]):
            fixed = _fixed(instance, node["pattern"])
            hint = (f"sans l'espace ou le retour à la ligne du début ou de la fin, la valeur est valide : « {fixed} »"
                    if fixed == instance.strip() else
                    f"sans majuscule, accent ni espace, la valeur est valide : « {fixed} »"
                    if re.fullmatch(r"[\w\s-]+", instance) else  # (« 2023/2024 »: another sign than those)
                    f"écrite ainsi, la valeur est valide : « {fixed} »")
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


def _relevance(error: Any) -> tuple[int, int]:
    order = {"type": 0, "additionalProperties": 1, "required": 1, "enum": 2, "pattern": 3, "format": 4}
    return (len(error.absolute_path), order.get(error.validator, 5))


_TYPOGRAPHIC = "“”„‟‘’‚‛«»‹›"  # what a word processor writes for quotes: part of the value for YAML
_TYPOGRAPHIC_HINT = ("les guillemets typographiques (“ ”, « ») ne sont pas ceux de YAML : ils font partie de la "
                     "valeur ; écrivez \"{}\", avec des guillemets droits")


def _without_typographic_quotes(value: Any) -> str | None:
    """A text held between typographic quotes (“48”, « 2023-2024 »), without them; None for any other value."""
    if not isinstance(value, str):
        return None
    text = value.strip(" \u00a0\u202f")
    if len(text) < 2 or text[0] not in _TYPOGRAPHIC or text[-1] not in _TYPOGRAPHIC:
        return None
    return text.strip(_TYPOGRAPHIC + " \u00a0\u202f") or None


def _odd_spaces(text: str) -> list[str]:
    """The spaces of `text` that are not the ordinary one, each once, in order (what word processors put before « : »)."""
    import unicodedata

    found: list[str] = []
    for ch in text:
        if ch != " " and unicodedata.category(ch) == "Zs" and ch not in found:
            found.append(ch)
    return found


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
