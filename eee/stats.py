"""The network's figures and its tree: `eee stats` (also the home page's figures) and `eee tree`."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .figures import NOTHING, Count
from .kinds import KINDS
from .model import Entity, Registry
from .query import Facts, academies_of, departements_of, facts_of, normalize
from .schema import SchemaSet

# --------------------------------------------------------------------------- stats


STRUCTURES = ("clee", "cmq", "pft", "partenariat")  # counted in a year's figures only if they existed that year


def stats(registry: Registry, annee: str | None = None) -> dict[str, Any]:
    """Counts for `eee stats`, of a model: `tally` of the facts of its entities."""
    return tally([facts_of(registry, entity) for entity in registry], registry.schemas, annee)


def tally(facts: Iterable[Facts], schemas: SchemaSet, annee: str | None = None) -> dict[str, Any]:
    """Counts for `eee stats`, from the facts of every entity of the registry in the order of their paths
    (`query.facts_of`; the query index keeps them): by kind, by académie and département, coverage, actions,
    gaps.

    With `annee`, actions and events are that year's, and a CLEE, CMQ, PFT or partnership counts only if it
    existed that year (`existed_in`; one whose file gives no date counts, and is listed in `sans_date`).
    Without, every figure is as of today. Numbers of beneficiaries are `Count`s: exact, approximate, minimum
    or unknown, never 0 for an unknown (see eee/figures.py); `stats_json` writes them for scripts."""
    dep_labels = schemas.labels("departement")
    everything = list(facts)
    by_kind_all: dict[str, list[Facts]] = defaultdict(list)
    for fact in everything:
        by_kind_all[fact.kind].append(fact)
    counted = [k for k in KINDS.values() if k.name != "reseau"]
    undated: dict[str, list[str]] = {}

    def in_year(fact: Facts) -> bool:
        if annee is None:
            return True
        if KINDS[fact.kind].by_year or fact.kind in STRUCTURES:
            existed = fact.existed_in(annee)
            if existed is None:
                undated.setdefault(fact.kind, []).append(fact.id)
            return existed is not False
        return True

    members = {k.name: [f for f in by_kind_all[k.name] if in_year(f)] for k in counted}
    by_kind = {kind: len(found) for kind, found in members.items()}
    by_dep: dict[str, dict[str, int]] = {d: {} for d in sorted(dep_labels)}
    # An académie counts each entity once, even when it spans several of its départements.
    by_academie: dict[str, dict[str, int]] = {a: {} for a in schemas.labels("academie")}
    for kind in ("clee", "cmq", "pft", "etablissement", "action", "evenement"):
        for fact in members[kind]:
            for dep in fact.departements:
                if dep in by_dep:
                    by_dep[dep][kind] = by_dep[dep].get(kind, 0) + 1
            for academie in fact.academies:
                if academie in by_academie:
                    by_academie[academie][kind] = by_academie[academie].get(kind, 0) + 1
    networks = by_kind_all["reseau"]
    expected = networks[0].expected if networks else None
    covered = coverage(expected, lambda kind: len(members.get(kind, by_kind_all[kind])))
    clee_deps = {d for f in members["clee"] for d in f.departements}

    def actions(found: list[Facts], key: Callable[[Facts], str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for action in found:
            row = rows.setdefault(key(action), {"actions": 0, "eleves": NOTHING, "enseignants": NOTHING,
                                                "sans_nombre": 0})
            row["actions"] += 1
            row["eleves"] += action.eleves
            row["enseignants"] += action.enseignants
            if action.sans_nombre:
                row["sans_nombre"] += 1
        return dict(sorted(rows.items()))

    gaps: Counter[str] = Counter()
    for fact in everything:
        if fact.gaps:
            gaps[fact.kind] += fact.gaps
    return {
        "annee": annee,
        "par_type": by_kind,
        "par_academie": by_academie,
        "par_departement": {d: c for d, c in by_dep.items()},
        "couverture": covered,
        "sans_date": {kind: sorted(ids) for kind, ids in sorted(undated.items()) if kind in STRUCTURES},
        "departements_sans_clee": sorted(set(dep_labels) - clee_deps),
        "actions_par_type": actions(members["action"], lambda f: f.action_type),
        "actions_par_annee": actions(by_kind_all["action"], lambda f: "?" if f.annee is None else f.annee),
        "a_completer": {"total": sum(gaps.values()), "par_type": dict(sorted(gaps.items()))},
        "sans_sources": sorted(f.id for f in everything if not f.sources),
    }


def coverage(expected: Any, described: Callable[[str], int]) -> dict[str, dict[str, int]]:
    """For each kind the network's `effectifs_attendus` (`expected`) names: how many entities are described
    (`described(kind)`) and how many are expected."""
    return {kind: {"decrits": described(kind), "attendus": count}
            for kind, count in (expected.items() if isinstance(expected, dict) else [])
            if kind in KINDS and isinstance(count, int) and not isinstance(count, bool)}


ACTION_TABLES = ("actions_par_type", "actions_par_annee")  # the figures whose rows hold `Count`s…
COUNTED = ("eleves", "enseignants")  # …under these names


def to_keep(data: dict[str, Any]) -> dict[str, Any]:
    """`tally`'s figures as plain values, for the cache (`index.Index.figures`): each `Count` as its fields."""
    def plain(count: Count) -> tuple[int | None, bool, bool, int]:
        return count.value, count.minimum, count.approximate, count.missing

    return {**data, **{table: {key: {name: plain(value) if name in COUNTED else value for name, value in row.items()}
                               for key, row in data[table].items()} for table in ACTION_TABLES}}


def thawed(kept: dict[str, Any]) -> dict[str, Any]:
    """`tally`'s figures from what `to_keep` made of them."""
    return {**kept, **{table: {key: {name: Count(*value) if name in COUNTED else value for name, value in row.items()}
                               for key, row in kept[table].items()} for table in ACTION_TABLES}}


def stats_json(data: dict[str, Any]) -> dict[str, Any]:
    """`stats` for scripts: each number of beneficiaries as a number (null when unknown) and, beside it, its
    qualifier (`eleves_precision`: exact, environ, au_moins; null when unknown), so that a spreadsheet can
    still add up."""
    def plain(row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, Count):
                out[key] = value.value
                out[f"{key}_precision"] = value.precision
            else:
                out[key] = value
        return out

    return {**data, "actions_par_type": {t: plain(r) for t, r in data["actions_par_type"].items()},
            "actions_par_annee": {y: plain(r) for y, r in data["actions_par_annee"].items()}}


# --------------------------------------------------------------------------- tree


@dataclass
class Node:
    label: str
    kind: str = ""  # the kind of entity the node stands for, if any
    id: str = ""
    children: list[Node] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"libelle": self.label}
        if self.id:
            out["type"], out["id"] = self.kind, self.id
        if self.children:
            out["enfants"] = [c.as_dict() for c in self.children]
        return out


def tree(registry: Registry) -> Node:
    """Région académique → académies → départements → CLEE, CMQ, PFT → member schools and partners."""
    network = registry.network
    region = network.get("region_academique", "nom") if network else None
    if not isinstance(region, str):
        region = "Région académique"
    root = Node(region if region.lower().startswith("région") else f"Région académique {region}")
    schemas = registry.schemas
    mapping = schemas.academie_of_departement
    dep_labels = schemas.labels("departement")
    academy_labels = schemas.labels("academie")
    placed: dict[str, list[Entity]] = defaultdict(list)
    unplaced: dict[str, list[Entity]] = defaultdict(list)  # by académie
    for kind in ("clee", "cmq", "pft"):
        for entity in sorted(registry.of_kind(kind), key=lambda e: normalize(e.nom)):
            deps = departements_of(registry, entity)
            if deps:
                placed[deps[0]].append(entity)  # shown once, under its first département
            else:
                for academie in academies_of(registry, entity) or ["?"]:
                    unplaced[academie].append(entity)

    def structure(entity: Entity) -> Node:
        node = Node(f"{entity.kind.short or entity.kind.label} · {entity.nom}", entity.kind.name, entity.id)
        members = entity.texts("membres", "etablissements") + entity.texts("membres", "partenaires")
        members += [v for v in (entity.get("etablissement_support"), entity.get("etablissement_siege"))
                    if isinstance(v, str) and v not in members]
        members += [v for v in entity.texts("partenaires") if v not in members]
        for member_id in members:
            member = registry.get(member_id)
            if member is not None:
                node.children.append(Node(f"{member.kind.capitalised} · {member.nom}",
                                          member.kind.name, member.id))
        others = entity.texts("departements")[1:]
        if others:
            node.label += " (aussi : " + ", ".join(f"{d} {dep_labels.get(d, '')}".strip() for d in others) + ")"
        return node

    for academie, label in academy_labels.items():
        branch = Node(label, "academie", academie)
        for dep in sorted(d for d, a in mapping.items() if a == academie):
            leaf = Node(f"{dep_labels[dep]} ({dep})", "departement", dep)
            leaf.children = [structure(e) for e in placed.get(dep, [])]
            branch.children.append(leaf)
        for entity in unplaced.get(academie, []):
            branch.children.append(structure(entity))
        root.children.append(branch)
    return root
