"""The kinds of entity and where their files live (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # the kind's id, also the schema's name: schemas/<name>.schema.json
    folder: str  # folder under registry/ ("" for the network file)
    label: str  # French, singular
    plural: str  # French, plural
    short: str = ""  # a short label for table headers and trees (CMQ, PFT)
    feminine: bool = False  # for « un »/« une » in messages
    by_year: bool = False  # files live in <folder>/<AAAA-AAAA>/

    @property
    def has_pages(self) -> bool:
        """Whether the directory has a page for each entity of this kind (`<folder>/<id>.html`): every kind but
        the network, which the home page presents."""
        return bool(self.folder)

    @property
    def title(self) -> str:
        """The short plural label, capitalised, for headers: « CMQ », « Partenaires »."""
        text = self.short or self.plural
        return text[:1].upper() + text[1:]

    @property
    def capitalised(self) -> str:
        """The singular label, capitalised: « Action », « CLEE », « Campus des métiers et des qualifications »."""
        return self.label[:1].upper() + self.label[1:]

    @property
    def a_label(self) -> str:
        """« un CLEE », « une action »."""
        return ("une " if self.feminine else "un ") + self.label

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"


NETWORK_FILE = "reseau.yaml"

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("reseau", "", "réseau", "réseau"),
        Kind("club", "club", "club École-Entreprise", "clubs École-Entreprise", short="club"),
        Kind("clee", "clee", "CLEE", "CLEE", short="CLEE"),
        Kind("cmq", "cmq", "campus des métiers et des qualifications", "campus des métiers et des qualifications",
             short="CMQ"),
        Kind("pft", "pft", "plateforme technologique", "plateformes technologiques", short="PFT", feminine=True),
        Kind("partenariat", "partenariats", "partenariat", "partenariats"),
        Kind("partenaire", "partenaires", "partenaire", "partenaires"),
        Kind("etablissement", "etablissements", "établissement", "établissements"),
        Kind("action", "actions", "action", "actions", feminine=True, by_year=True),
        Kind("evenement", "evenements", "événement", "événements", by_year=True),
    )
}

KIND_BY_FOLDER: dict[str, Kind] = {k.folder: k for k in KINDS.values() if k.folder}
