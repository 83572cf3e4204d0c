"""`eee new KIND ID`: a new, schema-valid skeleton file in the right folder.

The file has the `# yaml-language-server: $schema=…` header, `id`, every
required field of the kind (values given on the command line, as strings,
converted by the schema's type), `mis_a_jour` (today) and an `a_completer`
entry for `sources` (a source must have a title, so none is invented). The
text is written in `eee fmt`'s canonical form.

A value of a vocabulary may be written as the officer reads it: its code
(`en_creation`), its label (« En cours de mise en place »), a name without
the words all labels share (« Montpellier » for « Académie de Montpellier »)
or a département's number without its zero (« 9 »), accents and case aside.
`check_target` and `answer` let the command refuse a wrong id or a wrong
answer before any further question is asked.

A value of a field the schemas mark as a reference (`x-eee-ref`) must name an
entity of the registry, of a kind the field accepts (`check_references`, the
one check of every value eee writes into a reference); a school may be named
by its UAI as the Annuaire writes it (« 0312686B » for 0312686b).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .catalogue import S002
from .discovery import discover
from .domain import ENTITY_ID, SCHOOL_YEAR, departement_code, slug, uai_check_letter
from .errors import UsageError
from .escape import one_line
from .kinds import KIND_BY_FOLDER, KINDS, Kind
from .loader import SourceDoc
from .schema import LABELS_KEYWORD, REF_KEYWORD, SchemaSet

UAI_ID = re.compile(r"[0-9]{7}[a-z]")
AUTOMATIC = {"id", "mis_a_jour"}  # filled by eee new itself
DERIVED = {"etablissement": {"uai"}}  # derived from the id
SOURCES_GAP = "source des informations à ajouter (titre, adresse de la page, date)"
GAPS_BY_KIND = {  # what a rule requires of a kind and a new file cannot know yet
    "clee": [
        ("co_animation.etablissement", "chef d'établissement co-animateur, désigné par l'IA-DASEN"),
        ("co_animation.partenaire", "co-animateur issu du monde économique"),
    ],
}
_TRUE = {"true", "oui", "vrai", "1", "yes"}
_FALSE = {"false", "non", "faux", "0", "no"}

Field = tuple[str, str, str, list[tuple[str, str]]]  # (field, title, description, choices (value, label))


def _kind(kind: Kind | str) -> Kind:
    if isinstance(kind, Kind):
        return kind
    found = KINDS.get(kind) or KIND_BY_FOLDER.get(kind)
    if found is None:
        from .suggest import closest

        names = [k.name for k in KINDS.values() if k.name != "reseau"]
        guess = closest(kind, names)
        raise UsageError(f"type d'entité « {one_line(kind)} » inconnu",
                         (f"vouliez-vous dire « {guess} » ? " if guess else "") + f"types possibles : {', '.join(names)}")
    return found


def _choices(node: dict[str, Any], schemas: SchemaSet) -> list[tuple[str, str]]:
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = schemas.annotations(node["items"])
    labels = node.get(LABELS_KEYWORD, {})
    return [(str(value), labels.get(value, str(value))) for value in node.get("enum", [])]


def required_fields(kind: Kind | str, schemas: SchemaSet) -> list[Field]:
    """The fields the user must give for a new entity of this kind, in schema order, with their choices."""
    kind = _kind(kind)
    schema = schemas.schemas[kind.schema_file]
    skip = AUTOMATIC | DERIVED.get(kind.name, set())
    out = []
    for name in schema.get("properties", {}):
        if name not in schema.get("required", []) or name in skip:
            continue
        node = schemas.node_at(kind.name, (name,)) or {}
        out.append((name, node.get("title", name), node.get("description", ""), _choices(node, schemas)))
    return out


def _listed(choices: list[tuple[str, str]]) -> str:
    return ", ".join(f"{v} ({label})" if label != v else v for v, label in choices)


def _fold(text: str) -> str:
    """Lower case, no accents, spaces collapsed; punctuation kept (« REP+ » is not « REP »)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _names(choices: list[tuple[str, str]], fold: Callable[[str], str]) -> dict[str, str]:
    """Every way of writing each choice, folded → its code: the code (« en_creation »), the label, and the
    label without the words every label begins with (« Académie de »). A name two choices share is left out."""
    labels = [fold(label).split() for _, label in choices]
    shared = 0  # words every label begins with
    while len(labels) > 1 and all(len(words) > shared + 1 and words[shared] == labels[0][shared] for words in labels):
        shared += 1
    names: dict[str, str] = {}
    ambiguous: set[str] = set()
    for (value, _), words in zip(choices, labels):
        for name in {fold(value), " ".join(words), " ".join(words[shared:])}:
            if names.setdefault(name, value) != value:
                ambiguous.add(name)
    return {name: value for name, value in names.items() if name not in ambiguous}


def choice_named(text: str, choices: list[tuple[str, str]]) -> str | None:
    """The code of the choice `text` names (code, label, label's own words, a number without its leading zero),
    accents, case and then punctuation aside; None if it names none, or more than one."""
    from .query import normalize

    text = text.strip()
    if not choices or not text:
        return None
    if any(text == value for value, _ in choices):
        return text
    if text.isdigit() and all(value.isdigit() for value, _ in choices):
        text = departement_code(text)  # « 9 » for 09
    for fold in (_fold, normalize):  # punctuation kept first: « rep+ » is REP+, « en creation » is en_creation
        found = _names(choices, fold).get(fold(text))
        if found:
            return found
    return None


def _reference_kinds(node: dict[str, Any], schemas: SchemaSet) -> tuple[str, ...]:
    """The kinds of entity a field (or each item of a list field) may reference; () if it is no reference."""
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = schemas.annotations(node["items"])
    return tuple(node.get(REF_KEYWORD, ()))


def _canonical(text: str, node: dict[str, Any], schemas: SchemaSet) -> str:
    """A value as typed, with each item that names a choice of its vocabulary written as its code, and each
    school's UAI written as its id (in lower case) where a school may be referenced."""
    if "etablissement" in _reference_kinds(node, schemas):
        parts = [part.strip() for part in text.split(",")] if node.get("type") == "array" else [text.strip()]
        return ", ".join(part.lower() if UAI_ID.fullmatch(part.lower()) else part for part in parts if part)
    choices = _choices(node, schemas)
    if not choices:
        return text
    if node.get("type") != "array":
        return choice_named(text, choices) or text
    whole = choice_named(text, choices)  # a label may hold a comma
    if whole:
        return whole
    return ", ".join(choice_named(part, choices) or part.strip() for part in text.split(",") if part.strip())


def _convert(name: str, text: str, node: dict[str, Any], schemas: SchemaSet) -> Any:
    kind = node.get("type")
    if kind == "array":
        items = schemas.annotations(node["items"]) if isinstance(node.get("items"), dict) else {}
        return [_convert(name, part.strip(), items, schemas) for part in text.split(",") if part.strip()]
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise UsageError(f"« {name} » doit être un nombre entier, pas « {text} »", f"par exemple {name}=12") from None
    if kind == "number":
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            raise UsageError(f"« {name} » doit être un nombre, pas « {text} »", f"par exemple {name}=12") from None
    if kind == "boolean":
        if text.strip().lower() in _TRUE:
            return True
        if text.strip().lower() in _FALSE:
            return False
        raise UsageError(f"« {name} » vaut true ou false, pas « {text} »", f"par exemple {name}=true")
    if kind == "object":
        raise UsageError(f"« {name} » est un bloc de plusieurs clés : il ne se donne pas en ligne de commande",
                         "créez le fichier, puis complétez ce bloc dans l'éditeur")
    return text.strip()


def _check_enum(name: str, value: Any, node: dict[str, Any], schemas: SchemaSet) -> None:
    from .suggest import closest

    choices = _choices(node, schemas)
    if not choices:
        return
    allowed = [v for v, _ in choices]
    for item in value if isinstance(value, list) else [value]:
        if str(item) not in allowed:
            guess = closest(str(item), allowed)
            hint = (f"vouliez-vous dire « {guess} » ? " if guess else "") + f"valeurs possibles : {_listed(choices)}"
            raise UsageError(f"valeur « {item} » inconnue pour « {name} »", hint)


def _check_id(kind: Kind, entity_id: str) -> None:
    if kind.name == "etablissement":
        if not UAI_ID.fullmatch(entity_id):
            raise UsageError(
                f"identifiant « {one_line(entity_id)} » invalide pour un établissement",
                "l'identifiant d'un établissement est son UAI en minuscules : 7 chiffres et une lettre, "
                "par exemple 0312686b (le champ uai en est déduit)",
            )
        expected = uai_check_letter(entity_id.upper())
        if expected != entity_id[-1].upper():
            raise UsageError(
                f"l'UAI « {entity_id.upper()} » a une lettre de contrôle fausse (attendue : {expected})",
                "vérifiez l'UAI dans l'Annuaire de l'éducation",
            )
        return
    if not ENTITY_ID.match(entity_id):
        guess = slug(entity_id)
        hint = ("un identifiant s'écrit en lettres minuscules ASCII (sans accent), chiffres et tirets, "
                "sans espace ni tiret au début ou à la fin")
        if guess and ENTITY_ID.match(guess):
            hint += f" : par exemple « {guess} »"
        raise UsageError(f"identifiant « {one_line(entity_id)} » invalide", hint)


def _existing(root: Path, entity_id: str) -> str | None:
    found = discover(root)
    for rel, _ in list(found.files) + list(found.skipped):
        if Path(rel).stem == entity_id:
            return rel
    return None


def registry_ids(root: Path) -> dict[str, set[str]]:
    """Each id of the registry at `root` → the kinds of the files that bear it. An id is its file's name
    (EEE-R001 says so) and a kind its folder's: the folders are walked, no file is read."""
    ids: dict[str, set[str]] = {}
    for rel, kind in discover(root).files:
        ids.setdefault(Path(rel).stem, set()).add(kind.name)
    return ids


def check_references(root: Path, kind: Kind, data: dict[str, Any], schemas: SchemaSet) -> None:
    """A `UsageError` for the first reference of `data` (an entity of `kind` about to be written) that names no
    entity of the registry at `root`, or one of a kind its field does not accept: the value and the field, the
    nearest accepted id (« vouliez-vous dire »), and how to find or create the one meant."""
    from .suggest import closest

    ids: dict[str, set[str]] | None = None
    for pointer, target, kinds in schemas.references(kind.name, data):
        if ids is None:
            ids = registry_ids(root)  # only for a document that has references
        found = ids.get(target, set())
        if found.intersection(kinds):
            continue
        field_name = str(pointer[0])
        guess = closest(target, [i for i, its in ids.items() if its.intersection(kinds) and i != target])
        hint = f"vouliez-vous dire « {guess} » ? sinon, " if guess else ""
        listing = f"eee list {KINDS[kinds[0]].folder}" if len(kinds) == 1 and KINDS[kinds[0]].folder else ""
        if found:
            labels = [KINDS[k].a_label for k in kinds]
            wanted = " ou ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
            message = (f"« {one_line(target)} » est {KINDS[sorted(found)[0]].a_label}, alors que le champ "
                       f"« {field_name} » attend {wanted}")
            hint += (f"les identifiants possibles : {listing}" if listing
                     else "« eee search TEXTE » retrouve l'entité voulue par son nom")
        else:
            message = (f"« {one_line(target)} », donné pour « {field_name} », n'est l'identifiant d'aucune entité "
                       "du registre")
            search = f"eee search {' '.join(one_line(target).split('-'))}"
            if listing:
                search += f" --type {KINDS[kinds[0]].folder}"
            hint += f"retrouvez l'identifiant avec : {search}"
            if kinds == ("etablissement",) and UAI_ID.fullmatch(target):
                hint += f" ; un établissement absent s'importe : eee import annuaire FICHIER.csv --uai {target.upper()}"
            elif len(kinds) == 1:
                hint += f" ; une entité absente se crée d'abord : eee new {kinds[0]} {one_line(target)}"
        raise UsageError(message, hint)


def target_path(root: Path, kind: Kind, entity_id: str, values: dict[str, Any]) -> Path:
    if kind.by_year:
        year = str(values["annee_scolaire"])
        if not SCHOOL_YEAR.match(year):  # the schema says so too: the folder's name must never be anything else
            raise UsageError(f"année scolaire « {year} » invalide", "écrivez-la AAAA-AAAA, par exemple 2024-2025")
        return root / kind.folder / year / f"{entity_id}.yaml"
    return root / kind.folder / f"{entity_id}.yaml"


def check_target(root: Path, kind: Kind | str, entity_id: str) -> Kind:
    """The kind, if an entity `entity_id` of this kind may be created in the registry at `root`; else a
    `UsageError` in French (asked before any question: an answer is never lost to a wrong id)."""
    kind = _kind(kind)
    if kind.name == "reseau":
        raise UsageError("le réseau est décrit par un seul fichier, reseau.yaml : il ne se crée pas avec eee new",
                         "modifiez registry/reseau.yaml")
    _check_id(kind, entity_id)
    existing = _existing(root, entity_id)
    if existing:
        raise UsageError(f"l'identifiant « {entity_id} » existe déjà : {existing}",
                         "choisissez un autre identifiant (un identifiant est unique dans tout le registre)")
    return kind


def check_fields(kind: Kind, names: Iterable[str], schemas: SchemaSet | None = None) -> None:
    """A `UsageError` for the first name that is not a field of this kind (« vouliez-vous dire »)."""
    schemas = schemas or SchemaSet.installed()
    properties = schemas.schemas[kind.schema_file].get("properties", {})
    unknown = [name for name in names if name not in properties]
    if unknown:
        from .suggest import closest

        guess = closest(unknown[0], list(properties))
        raise UsageError(f"champ « {one_line(unknown[0])} » inconnu pour {kind.a_label}",
                         f"vouliez-vous dire « {guess} » ?" if guess else "champs possibles : " + ", ".join(properties))


def _data(kind: Kind, entity_id: str, values: dict[str, str], today: str, schemas: SchemaSet) -> dict[str, Any]:
    """The new file's data: the values converted by their schema type, vocabularies checked."""
    data: dict[str, Any] = {"id": entity_id}
    if kind.name == "etablissement":
        data["uai"] = entity_id.upper()
    for name, text in values.items():
        if name in AUTOMATIC or name in DERIVED.get(kind.name, set()):
            continue
        node = schemas.node_at(kind.name, (name,)) or {}
        value = _convert(name, _canonical(str(text), node, schemas), node, schemas)
        _check_enum(name, value, node, schemas)
        data[name] = value
    data["a_completer"] = [{"champ": "sources", "note": SOURCES_GAP}] + [
        {"champ": champ, "note": note} for champ, note in GAPS_BY_KIND.get(kind.name, [])]
    data["mis_a_jour"] = today
    return data


def answer(kind: Kind | str, entity_id: str, name: str, text: str, today: str,
           schemas: SchemaSet | None = None, root: Path | None = None) -> str:
    """One field's value as the officer typed it for the new entity `entity_id`, checked alone: the text to keep
    (a vocabulary's code for a label or a name), or a `UsageError` whose hint gives the accepted values. With
    `root`, a reference must name an entity of that registry (`check_references`, which `create` always asks)."""
    kind = _kind(kind)
    schemas = schemas or SchemaSet.installed()
    check_fields(kind, [name], schemas)
    node = schemas.node_at(kind.name, (name,)) or {}
    if not text.strip() and name in schemas.schemas[kind.schema_file].get("required", []):
        raise UsageError(f"« {name} » est obligatoire", _expected(name, node, schemas))
    canonical = _canonical(text.strip(), node, schemas)
    data = _data(kind, entity_id, {name: canonical}, today, schemas)
    doc = SourceDoc(f"{kind.folder}/{entity_id}.yaml", kind, data)
    problems = [p for p in schemas.check(doc) if p.code != S002.code]  # the other fields are not given yet
    if problems:
        first = problems[0]
        raise UsageError(first.message, first.hint or _expected(name, node, schemas))
    if root is not None:
        check_references(root, kind, data, schemas)
    return canonical


def _expected(name: str, node: dict[str, Any], schemas: SchemaSet) -> str:
    choices = _choices(node, schemas)
    if choices:
        return f"valeurs possibles : {_listed(choices)}"
    description = node.get("description", "")
    return description or f"donnez une valeur pour « {name} »"


def missing_fields(kind: Kind | str, values: dict[str, str], schemas: SchemaSet | None = None) -> list[Field]:
    """The required fields `values` does not give, in schema order."""
    schemas = schemas or SchemaSet.installed()
    return [f for f in required_fields(kind, schemas) if not str(values.get(f[0], "")).strip()]


def create(root: Path, kind: Kind | str, entity_id: str, values: dict[str, str], today: str) -> Path:
    """Write a new skeleton file for `entity_id` and return its path; `UsageError` (in French) if refused."""
    from .files import write_atomic
    from .fmt import format_text
    from .yamlwrite import dump

    schemas = SchemaSet.installed()
    kind = check_target(root, kind, entity_id)
    check_fields(kind, values, schemas)
    missing = missing_fields(kind, values, schemas)
    if missing:
        listed = "\n".join(f"  {name} ({title})" + (f" : {_listed(choices)}" if choices else "")
                           for name, title, _, choices in missing)
        raise UsageError(f"valeurs obligatoires manquantes pour {kind.a_label} :\n{listed}",
                         "donnez chacune avec --set champ=valeur, par exemple : eee new "
                         f"{kind.name} {entity_id} " + " ".join(f"--set {name}=…" for name, *_ in missing)
                         + " (dans un terminal, eee new les demande)")
    data = _data(kind, entity_id, values, today, schemas)
    doc = SourceDoc(f"{kind.folder}/{entity_id}.yaml", kind, data)
    problems = schemas.check(doc)
    if problems:
        first = problems[0]
        raise UsageError(first.message, first.hint)
    check_references(root, kind, data, schemas)
    path = target_path(root, kind, entity_id, data)
    depth = len(path.relative_to(root).parts)
    header = f"# yaml-language-server: $schema={'../' * depth}schemas/{kind.schema_file}\n"
    text = format_text(header + dump(data), kind, schemas)
    check_in_registry(root, path.relative_to(root).as_posix(), kind, text, schemas)
    write_atomic(path, text, within=root / kind.folder)
    return path


def check_in_registry(root: Path, rel: str, kind: Kind, text: str, schemas: SchemaSet) -> None:
    """A `UsageError` for the first error `eee validate` would find in a new file at `rel`, before it is written: the
    rules of the file alone (a date outside its school year…), then those that read the registry around it (a
    département of another académie than the one given…). A file `eee new` writes is a valid one."""
    from .filecheck import check_text
    from .loader import read_text
    from .model import Registry
    from .rules import REGISTRY
    from .rules import run as run_rules
    from .validate import load

    alone = check_text(rel, kind, text, schemas)
    errors = [p for p in (*alone.read_problems, *(alone.schema_problems or ()), *alone.rule_problems) if p.is_error]
    if not errors:
        registry, _ = load(root, schemas, whole=False)  # (the fields the cross-file rules read, from the cache)
        docs = [entity.doc for entity in registry.everything] + [read_text(SourceDoc(rel, kind), text)]
        valid = {entity.path for entity in registry.everything if entity.valid} | {rel}
        unread = [(f"{entity_id}.yaml", KINDS.get(name or "")) for entity_id, name in registry.unchecked.items()]
        known = {entity.path: found for entity, found in registry.found_references}
        model = Registry.build(root, docs, schemas, valid, unread, known)
        errors = [p for p in run_rules(model, REGISTRY) if p.path == rel and p.is_error]
    if errors:
        first = errors[0]
        raise UsageError(first.message, first.hint)
