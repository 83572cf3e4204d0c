"""What changed in the registry between two git revisions: a semantic changelog.

Each side is read like the registry itself: the files of a revision come from
git (`git ls-tree`, then `git cat-file --batch`), the working tree from disk;
each file is parsed by the loader and the model is built with its references.
The changelog says which entities were added, removed or renamed, which fields
changed (old → new value, with the French title from the schemas) and which
relations were made or broken. A rename (an id gone and a new id of the same
kind whose data is otherwise equal, or a rename seen by git) is not reported
again as broken and made relations, nor as changed references.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import gitsafe
from .catalogue import Y001
from .domain import SCHOOL_YEAR, check_school_year, date_fr
from .errors import EeeError, UsageError
from .kinds import KIND_BY_FOLDER, KINDS, NETWORK_FILE, Kind
from .loader import Pointer, SourceDoc, load_registry, read_text
from .markdown import md_escape
from .model import Entity, Registry
from .schema import SchemaSet, pointer_text

WORKING_TREE = "arbre de travail"
_MISSING = object()


@dataclass
class Side:
    """One side of the comparison: a revision (or the working tree) and its model."""

    revision: str | None  # what the user asked for; None: the working tree
    commit: str | None  # the full commit id; None: the working tree, or no commit yet (empty registry)
    registry: Registry
    unreadable: list[str] = field(default_factory=list)  # files of this side that could not be read
    words: str = ""  # what this side is, in French, when it is no revision the user gave (eee diff --annee)

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "commit": self.commit}

    @property
    def label(self) -> str:
        if self.words:
            return self.words
        if self.revision is None and self.commit is None:
            return WORKING_TREE
        if self.commit is None:
            return f"`{self.revision}` (registre vide)"
        return f"`{self.revision}` ({self.commit[:7]})"


@dataclass
class Changelog:
    """The changes between two sides. `as_dict` is the stable JSON; `markdown` the French text."""

    before: Side
    after: Side
    year: str | None = None
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    renamed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    made: list[dict[str, Any]] = field(default_factory=list)
    broken: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.changed or self.made or self.broken)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "annee": self.year,
            "depuis": self.before.as_dict(),
            "jusqu_a": self.after.as_dict(),
            "ajoutees": self.added,
            "supprimees": self.removed,
            "renommees": self.renamed,
            "modifiees": self.changed,
            "relations_creees": self.made,
            "relations_rompues": self.broken,
            "illisibles": {"depuis": self.before.unreadable, "jusqu_a": self.after.unreadable},
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    def markdown(self) -> str:
        lines = ["# Changements du registre", ""]
        if self.year:
            lines += [f"Année scolaire {self.year} : depuis {self.before.label} jusqu'à {self.after.label}.", ""]
        else:
            lines += [f"De {self.before.label} à {self.after.label}.", ""]
        if self.empty:
            lines += ["Aucun changement.", ""]

        def section(title: str, items: list[str]) -> None:
            if items:
                lines.extend([f"## {title} ({len(items)})", "", *items, ""])

        section("Entités ajoutées", [f"- {_entity_line(e)}" for e in self.added])
        section("Entités supprimées", [f"- {_entity_line(e)}" for e in self.removed])
        section("Entités renommées", [
            f"- {_kind_label(r['type'])} {_code(r['ancien'])} → {_code(r['nouveau'])} "
            f"({md_escape(r['ancien_fichier'])} → {md_escape(r['nouveau_fichier'])})"
            for r in self.renamed])
        if self.changed:
            lines += [f"## Entités modifiées ({len(self.changed)})", ""]
            for entity in self.changed:
                lines += [f"### {_kind_label(entity['type'])} {_code(entity['id'])} — {md_escape(entity['nom'])}", ""]
                for change in entity["champs"]:
                    lines.append(f"- {_change_line(change)}")
                lines.append("")
        section("Relations créées", [f"- {_relation_line(r)}" for r in self.made])
        section("Relations rompues", [f"- {_relation_line(r)}" for r in self.broken])
        for side, label in ((self.before, "avant"), (self.after, "après")):
            if side.unreadable:
                lines += [f"Fichiers illisibles ({label}), non comparés : " + ", ".join(map(md_escape, side.unreadable)),
                          ""]
        return "\n".join(lines).rstrip("\n") + "\n"


def _kind_label(kind: str) -> str:
    found = KINDS.get(kind)
    return found.capitalised if found else kind[:1].upper() + kind[1:]


def _entity_line(entry: dict[str, Any]) -> str:
    return (f"{_kind_label(entry['type'])} {_code(entry['id'])} — {md_escape(entry['nom'])} "
            f"({md_escape(entry['fichier'])})")


def _code(text: Any) -> str:
    """An identifier or a field as Markdown code; as escaped text if it holds what would end a code span."""
    text = str(text)
    return f"`{text}`" if "`" not in text and text.isprintable() else md_escape(text)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"« {md_escape(value)} »"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "vide"
    if isinstance(value, (int, float)):
        return str(value)
    return _code(json.dumps(value, ensure_ascii=False))


def _change_line(change: dict[str, Any]) -> str:
    name = change["titre"] or change["champ"]
    where = f"{md_escape(name)} ({_code(change['champ'])})" if change["titre"] else _code(change["champ"])
    if "avant" not in change:
        return f"{where} : ajouté, {_show(change['apres'])}"
    if "apres" not in change:
        return f"{where} : supprimé (était {_show(change['avant'])})"
    return f"{where} : {_show(change['avant'])} → {_show(change['apres'])}"


def _relation_line(relation: dict[str, Any]) -> str:
    about = relation["titre"] or relation["champ"]
    return f"{_code(relation['source'])} → {_code(relation['cible'])} ({md_escape(about)})"


# --------------------------------------------------------------------------- git


def _git(cwd: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """A git command in `cwd` that starts no program the repository's configuration names (`gitsafe`)."""
    safe = gitsafe.prefix(cwd)
    if safe is None:
        raise EeeError("la configuration du dépôt git du registre déclare un filtre qu'eee ne sait pas neutraliser "
                       "(ou git est trop ancien pour la lire) : eee ne lance pas git sur ce dépôt",
                       "vérifiez les sections [filter] de .git/config, ou installez git 2.26 ou plus récent")
    try:
        return subprocess.run([*safe, "-c", "core.quotepath=off", *args], cwd=cwd, input=input,
                              capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise EeeError("git est introuvable : eee diff lit l'historique du registre avec git",
                       "installez git (paquet « git ») puis relancez") from exc


def _toplevel(root: Path) -> Path:
    if not root.is_dir():
        raise EeeError(f"le registre « {root} » n'existe pas", "indiquez le dossier du registre avec --registry")
    done = _git(root, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise EeeError(
            f"le registre « {root} » n'est pas dans un dépôt git : il n'a pas d'historique à comparer",
            "eee diff compare des versions enregistrées avec git ; créez le dépôt (git init, git add, git commit) "
            "ou lancez la commande depuis le dépôt du registre",
        )
    return Path(done.stdout.decode().strip()).resolve()


def _commit(top: Path, revision: str) -> str:
    if revision.startswith("-"):
        raise UsageError(f"révision « {revision} » invalide", "indiquez un commit, une branche ou une étiquette")
    done = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    if done.returncode != 0:
        raise UsageError(
            f"la révision « {revision} » est inconnue dans ce dépôt git",
            "indiquez un commit, une branche ou une étiquette existants (git log --oneline les montre), "
            "par exemple HEAD~1",
        )
    return done.stdout.decode().strip()


def _has_commits(top: Path) -> bool:
    return _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0


def _kind_of(rel: str) -> Kind | None:
    """The kind of a registry file from its path, as `discovery.discover` decides it (None: not read)."""
    parts = rel.split("/")
    if any(p.startswith((".", "_")) for p in parts[:-1]) or parts[-1].startswith("."):
        return None
    if len(parts) == 1:
        return KINDS["reseau"] if rel == NETWORK_FILE else None
    kind = KIND_BY_FOLDER.get(parts[0])
    if kind is None or not parts[-1].endswith(".yaml"):
        return None
    if kind.by_year:
        return kind if len(parts) == 3 and SCHOOL_YEAR.match(parts[1]) else None
    return kind if len(parts) == 2 else None


def _docs_at(top: Path, prefix: str, commit: str) -> list[SourceDoc]:
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    if listing.returncode != 0:  # pragma: no cover - the commit was verified
        raise EeeError(f"git ne peut pas lister le commit {commit[:7]}", listing.stderr.decode(errors="replace").strip())
    wanted: list[tuple[str, str, Kind]] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, otype, oid = meta.decode().split()
        path = name.decode("utf-8", "surrogateescape")
        if otype != "blob" or mode not in ("100644", "100755"):
            continue
        rel = path[len(prefix) + 1:] if prefix else path
        kind = _kind_of(rel)
        if kind is not None:
            wanted.append((rel, oid, kind))
    if not wanted:
        return []
    batch = _git(top, "cat-file", "--batch", input=b"".join(f"{oid}\n".encode() for _, oid, _ in wanted))
    out, pos, docs = batch.stdout, 0, []
    for rel, _, kind in wanted:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        raw = out[header_end + 1: header_end + 1 + size]
        pos = header_end + 1 + size + 1
        doc = SourceDoc(rel, kind)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            doc.problems.append(Y001.problem(rel, 0, 0, "fichier non UTF-8"))
            docs.append(doc)
            continue
        docs.append(read_text(doc, text))
    return docs


def _side(root: Path, top: Path, prefix: str, revision: str | None, commit: str | None,
          schemas: SchemaSet) -> Side:
    if revision is None:
        docs, found = load_registry(root)
        skipped = found.skipped
    else:
        docs, skipped = (_docs_at(top, prefix, commit) if commit else []), []
    registry = Registry.build(root, docs, schemas, set(), skipped)
    return Side(revision, commit, registry, sorted(d.path for d in docs if not d.ok))


def _git_renames(top: Path, prefix: str, before: Side, after: Side) -> dict[str, str]:
    """Files git sees as renamed, registry-relative: old path -> new path."""
    if before.commit is None:
        return {}
    args = ["diff", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all", "-M", "--name-status", "-z",
            before.commit]
    if after.commit is not None:
        args.append(after.commit)
    done = _git(top, *args, "--", prefix or ".")
    if done.returncode != 0:  # pragma: no cover - both commits were verified
        return {}
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    renames, i = {}, 0
    strip = len(prefix) + 1 if prefix else 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C"):
            if status[:1] == "R":
                renames[fields[i + 1][strip:]] = fields[i + 2][strip:]
            i += 3
        else:
            i += 2
    return renames


# --------------------------------------------------------------------------- comparing


def changes(root: Path, rev1: str | None = None, rev2: str | None = None,
            schemas: SchemaSet | None = None) -> Changelog:
    """The changes from `rev1` (default HEAD) to `rev2` (default: the working tree) of the registry at `root`."""
    top = _toplevel(root)
    if rev1 is None and not _has_commits(top):
        raise UsageError("le dépôt git du registre n'a encore aucun commit : rien à comparer",
                         "enregistrez une première version (git add, git commit) puis relancez")
    rev1 = rev1 or "HEAD"
    commit1 = _commit(top, rev1)
    commit2 = _commit(top, rev2) if rev2 is not None else None
    return _compare(root, top, rev1, commit1, rev2, commit2, schemas)


def changes_for_year(root: Path, year: str, schemas: SchemaSet | None = None,
                     today: date | None = None) -> Changelog:
    """The changes of a school year (September to August): from the last commit before
    1 September of its first year to the last commit on or before 31 August of its second
    year (HEAD while the year is not over). Dates are the committers', in Paris summer time."""
    first, second = (int(part) for part in check_school_year(year).split("-"))
    top = _toplevel(root)
    if not _has_commits(top):
        raise UsageError("le dépôt git du registre n'a encore aucun commit : rien à comparer",
                         "enregistrez une première version (git add, git commit) puis relancez")
    today = today or date.today()

    def last_before(day: str) -> str | None:
        done = _git(top, "rev-list", "-1", f"--before={day} 23:59:59 +0200", "HEAD")
        found = done.stdout.decode().strip()
        return found or None

    start = last_before(f"{first}-08-31")
    if today > date(second, 8, 31):
        end, end_label = last_before(f"{second}-08-31"), f"31/08/{second}"
        if end is None:
            raise UsageError(f"le dépôt n'a aucun commit avant la fin de l'année scolaire {year}",
                             "choisissez une année plus récente (git log montre les dates des commits)")
    else:
        end, end_label = _commit(top, "HEAD"), "HEAD"
    start_label = f"31/08/{first}"
    changelog = _compare(root, top, start_label if start else f"avant le 01/09/{first}", start,
                         end_label, end, schemas)
    changelog.year = year
    # Said in words: these sides are dates, not revisions the user could give to git.
    changelog.before.words = (f"l'état du registre au {date_fr(date(first, 8, 31))} (commit `{start[:7]}`)" if start
                              else f"un registre vide (aucun commit avant le {date_fr(date(first, 9, 1))})")
    changelog.after.words = (f"l'état du registre au {date_fr(date(second, 8, 31))}" if end_label != "HEAD"
                             else "la dernière version enregistrée") + (f" (commit `{end[:7]}`)" if end else "")
    return changelog


def _compare(root: Path, top: Path, rev1: str, commit1: str | None, rev2: str | None, commit2: str | None,
             schemas: SchemaSet | None) -> Changelog:
    schemas = schemas or SchemaSet.installed()
    try:
        prefix = root.resolve().relative_to(top).as_posix()
    except ValueError as exc:  # pragma: no cover - git said root is inside top
        raise EeeError(f"le registre « {root} » est hors du dépôt git {top}", "") from exc
    prefix = "" if prefix == "." else prefix
    before = _side(root, top, prefix, rev1, commit1, schemas)
    after = _side(root, top, prefix, rev2, commit2, schemas)
    log = Changelog(before, after)
    b, a = before.registry, after.registry
    unread_b = set(b.unchecked) - set(b.entities)
    unread_a = set(a.unchecked) - set(a.entities)
    gone = [e for i, e in b.entities.items() if i not in a.entities and i not in unread_a]
    new = [e for i, e in a.entities.items() if i not in b.entities and i not in unread_b]

    # Renames: same kind and the same data but the id, else git's rename of the file. The data of the old side is
    # read with the renames found so far (an action renamed after the partner it cites: its reference changed too),
    # until no more are found.
    renames: dict[str, str] = {}
    found = True
    while found:
        found = False
        for old in gone:
            if old.id in renames:
                continue
            data = _without_id(_translated(b, old, renames))
            for candidate in new:
                if candidate.id in renames.values() or candidate.kind != old.kind:
                    continue
                if data == _without_id(candidate.data):
                    renames[old.id] = candidate.id
                    found = True
                    break
    by_path_b = {e.path: e for e in gone if e.id not in renames}
    by_path_a = {e.path: e for e in new if e.id not in renames.values()}
    for old_path, new_path in _git_renames(top, prefix, before, after).items():
        old_e, new_e = by_path_b.get(old_path), by_path_a.get(new_path)
        if old_e is not None and new_e is not None and old_e.kind == new_e.kind:
            renames[old_e.id] = new_e.id
    for old_id, new_id in sorted(renames.items()):
        log.renamed.append({"type": b.entities[old_id].kind.name, "ancien": old_id, "nouveau": new_id,
                            "ancien_fichier": b.entities[old_id].path, "nouveau_fichier": a.entities[new_id].path})
    log.removed = [_entry(e) for e in sorted(gone, key=lambda e: e.id) if e.id not in renames]
    log.added = [_entry(e) for e in sorted(new, key=lambda e: e.id) if e.id not in renames.values()]

    # Field changes, the old side seen with the new ids.
    for old_id in sorted(b.entities):
        new_id = renames.get(old_id, old_id)
        old_e, new_e = b.entities[old_id], a.entities.get(new_id)
        if new_e is None or new_e.kind != old_e.kind:
            continue
        old_data = _translated(b, old_e, renames)
        fields = [_field(schemas, new_e.kind.name, p, x, y) for p, x, y in _diff(old_data, new_e.data, ())]
        if fields:
            log.changed.append({"id": new_id, "type": new_e.kind.name, "nom": new_e.nom, "fichier": new_e.path,
                                "champs": fields})
    log.changed.sort(key=lambda c: c["id"])

    # Relations, by (source, field without list indexes, target); renamed ids seen with their new name.
    def relations(registry: Registry, mapping: dict[str, str]) -> dict[tuple[str, str, str], dict[str, Any]]:
        found = {}
        for ref in registry.references:
            if ref.source.id in unread_a | unread_b:
                continue
            source = mapping.get(ref.source.id, ref.source.id)
            target = mapping.get(ref.target_id, ref.target_id)
            path = tuple(p for p in ref.pointer if not isinstance(p, int))
            key = (source, pointer_text(path), target)
            found[key] = {"source": source, "champ": key[1], "titre": _title(schemas, ref.source.kind.name, path),
                          "cible": target}
        return found

    rel_b, rel_a = relations(b, renames), relations(a, {})
    log.made = [rel_a[k] for k in sorted(set(rel_a) - set(rel_b))]
    log.broken = [rel_b[k] for k in sorted(set(rel_b) - set(rel_a))]
    return log


def _entry(entity: Entity) -> dict[str, Any]:
    return {"id": entity.id, "type": entity.kind.name, "nom": entity.nom, "fichier": entity.path}


def _without_id(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "id"}


def _translated(registry: Registry, entity: Entity, renames: dict[str, str]) -> Any:
    """The entity's data with its references (and its id) to renamed entities written with the new ids."""
    data = json.loads(json.dumps(entity.data))
    if not renames:
        return data
    if data.get("id") in renames:
        data["id"] = renames[data["id"]]
    outgoing = registry.derived["references by source"]  # (made once: every entity of a side is translated)
    if not outgoing:
        for ref in registry.references:
            outgoing.setdefault(id(ref.source), []).append(ref)
    for ref in outgoing.get(id(entity), ()):
        if ref.target_id in renames:
            target = data
            for part in ref.pointer[:-1]:
                target = target[part]
            target[ref.pointer[-1]] = renames[ref.target_id]
    return data


def _diff(old: Any, new: Any, pointer: Pointer) -> Iterator[tuple[Pointer, Any, Any]]:
    """(pointer, old, new) of each difference; _MISSING where a side has no value. Lists of
    different lengths are one change, so that an insertion does not shift every item."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            yield from _diff(old.get(key, _MISSING), new.get(key, _MISSING), pointer + (key,))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and not all(
            not isinstance(x, (dict, list)) for x in old + new):
        for index, (x, y) in enumerate(zip(old, new)):
            yield from _diff(x, y, pointer + (index,))
    elif old != new or type(old) is not type(new):
        yield pointer, old, new


def _title(schemas: SchemaSet, kind: str, pointer: Pointer) -> str:
    """The French titles along a pointer: « Co-animation › Co-animateur du monde économique › Fonction »."""
    titles = []
    for i, part in enumerate(pointer):
        if isinstance(part, int):
            continue
        title = schemas.title(kind, pointer[: i + 1])
        if title:
            titles.append(title)
    return " › ".join(titles)


def _field(schemas: SchemaSet, kind: str, pointer: Pointer, old: Any, new: Any) -> dict[str, Any]:
    change: dict[str, Any] = {"champ": pointer_text(pointer), "titre": _title(schemas, kind, pointer)}
    if old is not _MISSING:
        change["avant"] = old
    if new is not _MISSING:
        change["apres"] = new
    return change
