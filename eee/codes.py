"""The documentation of every problem code: `eee validate --explain CODE` and docs/codes.md.

The codes, with their severity and title, are declared in `eee/catalogue.py`.
Here are the French explanation and the example of each read (EEE-Y…), schema
(EEE-S…) and import (EEE-I…) code; a rule code's (EEE-R…) are its rule module's
docstring and `EXAMPLE`. The tests run every example: the failing one must
produce its code, the passing one must not.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from .catalogue import (
    CODES,
    I001,
    I002,
    S001,
    S002,
    S003,
    S004,
    S005,
    S006,
    S007,
    Y001,
    Y002,
    Y003,
    Y004,
    Y005,
    Y006,
    Y007,
    Y008,
    Y009,
    Y010,
    Y011,
    Y012,
    Y013,
    Y014,
    Y015,
    Y016,
    Code,
)
from .diagnostics import Example, Severity, Special

_E = "partenaires/exemple-bois.yaml"
_A = "actions/2022-2023/visites-exemple.yaml"
_ACTION = ("id: visites-exemple\nnom: Visites d'entreprises pour les élèves\nstatut: realisee\ntype: visite_entreprise\n"
           "annee_scolaire: 2022-2023\ndate_debut: 2023-03-01\ndate_fin: 2023-03-31\norganisateurs: [clee-ariege]\n"
           "partenaires: [exemple-bois]\netablissements: [0090056m]\npublic:\n  niveaux: [\"3e\"]\n"
           "  publics_prioritaires: [rural]\nbeneficiaires:\n  - categorie: eleves\n    nombre: 25\nsources:\n"
           "  - titre: Données de test\nmis_a_jour: 2024-01-15\n")
_OK = "id: exemple-bois\nnom: Exemple Bois\nstatut: actif\ntype: entreprise\nmis_a_jour: 2024-01-15\n"


@dataclass(frozen=True)
class ImportExample:
    """An example of an import code: an export of the Annuaire de l'éducation and what eee says of it.

    The tests write each CSV text to annuaire.csv beside a copy of the test
    registry (tests/cases/base, as ./registry), run `command` there and compare
    everything it writes (standard output and error, in order) with `bad_output`
    and `good_output`: the first names the code, the second does not.
    """

    command: str  # « eee import annuaire annuaire.csv --uai … »
    bad: str  # annuaire.csv
    bad_output: str
    good: str
    good_output: str


@dataclass(frozen=True)
class CodeDoc:
    code: str
    severity: Severity
    title: str
    doc: str  # French explanation
    example: Example | ImportExample
    layer: str  # "lecture", "schéma", "règle", "import"


_LAYERS = {"Y": "lecture", "S": "schéma", "R": "règle", "I": "import"}  # by the letter of the code


_READ = [
    (Y001,
     "Le registre se lit en UTF-8 (avec ou sans BOM). Un fichier enregistré en Latin-1, Windows-1252 "
     "ou UTF-16, ou qui contient un caractère nul, est refusé : réenregistrez-le en UTF-8.",
     Example(bad={_E: Special("le même fichier enregistré en Latin-1 (« é » codé 0xE9)", _OK.replace("Exemple Bois", "Exemple Bois Élagage").encode("latin-1"))},
             good={_E: _OK})),
    (Y002,
     "Le fichier n'est pas du YAML valide : indentation décalée, tabulation, guillemets non refermés, "
     "deux-points dans une valeur sans guillemets, plusieurs documents séparés par « --- »…",
     Example(bad={_E: _OK.replace("nom: Exemple Bois", "nom: Exemple Bois: scierie")},
             good={_E: _OK.replace("nom: Exemple Bois", "nom: \"Exemple Bois: scierie\"")})),
    (Y003,
     "Une même clé apparaît deux fois dans un bloc. YAML garderait la dernière sans prévenir : "
     "eee refuse le fichier pour que rien ne se perde.",
     Example(bad={_E: _OK + "nom: Exemple Bois SARL\n"}, good={_E: _OK})),
    (Y004,
     "Les étiquettes qui construisent des objets (!!python/object…, !!binary, !!set…) et la fusion « << » "
     "sont refusées et jamais exécutées ; seule « !!str » (forcer du texte) est acceptée.",
     Example(bad={_E: _OK.replace("type: entreprise", "type: !!python/object/apply:os.system [\"ls\"]")},
             good={_E: _OK})),
    (Y005,
     "Un fichier dont les alias (*nom) se développent en trop de valeurs (« billion laughs »), "
     "dont un alias se contient lui-même, ou imbriqué sur plus de 64 niveaux, est refusé.",
     Example(bad={_E: _OK + "etiquettes: &a [*a]\n"}, good={_E: _OK + "etiquettes: [bois, scierie]\n"})),
    (Y006,
     "Le fichier ne contient rien (ou seulement des commentaires).",
     Example(bad={_E: "# à remplir\n"}, good={_E: _OK})),
    (Y007,
     "Un fichier décrit une entité : un bloc de « clé: valeur » au premier niveau, pas une liste ni un texte seul.",
     Example(bad={_E: "- id: exemple-bois\n- nom: Exemple Bois\n"}, good={_E: _OK})),
    (Y008,
     "Une clé est un simple mot (nom_de_cle) ; une liste ou un bloc utilisé comme clé (« ? […] ») est refusé.",
     Example(bad={_E: _OK + "? [a, b]\n: valeur\n"}, good={_E: _OK})),
    (Y009,
     "Un lien symbolique qui sort du dossier du registre n'est jamais suivi : le registre doit se suffire à lui-même.",
     Example(bad={"partenaires/lien.yaml": Special("un lien symbolique vers /etc/hostname", link_to="/etc/hostname")},
             good={})),
    (Y010,
     "Seuls les fichiers .yaml sont lus : un fichier .yml serait ignoré sans bruit, eee le signale.",
     Example(bad={_E: None, "partenaires/exemple-bois.yml": _OK}, good={})),
    (Y011,
     "Un fichier qui n'est pas .yaml dans un dossier d'entités est ignoré ; eee le signale au cas où.",
     Example(bad={"partenaires/notes.txt": "à trier\n"}, good={})),
    (Y012,
     "Chaque entité se range dans le dossier de son type (clee/, partenaires/…) ; actions et événements "
     "dans le sous-dossier de leur année scolaire (actions/2022-2023/). Un fichier ailleurs n'est pas lu.",
     Example(bad={_E: None, "partenaire/exemple-bois.yaml": _OK}, good={})),
    (Y014,
     "eee ne devine jamais un type : « 09 », « 0561000000 », « NO », « on » ou « 18:30 » écrits sans guillemets "
     "restent le texte écrit. Mais d'autres outils YAML, et les éditeurs qui vérifient le schéma, y voient un "
     "nombre ou un booléen : mettez ces valeurs entre guillemets pour que le fichier se lise partout de la même façon.",
     Example(bad={"partenaires/exemple-bois.yaml": _OK + "sites:\n  - {commune: Pamiers, departement: 09}\n"},
             good={"partenaires/exemple-bois.yaml": _OK + "sites:\n  - {commune: Pamiers, departement: \"09\"}\n"})),
    (Y015,
     "Rien ne doit être caché dans un fichier du registre. Sont refusés : les sauts de ligne que YAML reconnaît "
     "mais que git, grep et la plupart des éditeurs ne montrent pas (U+0085, U+2028, U+2029) — une ligne qui "
     "paraît commentée pourrait alors ajouter une clé, par exemple rendre public un contact ; les contrôles "
     "bidirectionnels (U+202A à U+202E, U+2066 à U+2069), qui changent l'ordre d'affichage ; tout autre caractère "
     "invisible (espace sans chasse, trait d'union conditionnel…) hors d'une valeur : dans un commentaire, une clé "
     "ou la mise en forme ; et, dans une valeur ou une clé, un caractère de contrôle écrit par une séquence "
     "d'échappement (« \\e », « \\x1b », « \\r »…), qui peut brouiller un terminal. La tabulation et le "
     "retour à la ligne restent permis dans les valeurs.",
     Example(bad={_E: _OK.replace("type: entreprise\n", "type: entreprise  # note\u2028visibilite: publique\n")},
             good={_E: _OK.replace("type: entreprise\n", "type: entreprise  # note\n")})),
    (Y016,
     "Un nombre de plus de 4 300 chiffres, ou trop grand pour être calculé (1.0e999), ne peut être ni lu ni "
     "réécrit par aucun programme : c'est une erreur de saisie. Un texte fait de chiffres s'écrit entre guillemets.",
     Example(bad={_A: Special("le même fichier avec « nombre: 2222…2222 » (4 400 chiffres)",
                              _ACTION.replace("nombre: 25", "nombre: " + "2" * 4400).encode())},
             good={_A: _ACTION})),
    (Y013,
     "Une entité tient en quelques kilo-octets ; un fichier de plus de 5 Mio n'est pas lu.",
     Example(bad={_E: Special("un fichier de 6 Mio", _OK.encode(), pad_to=6 * 1024 * 1024)}, good={_E: _OK})),
]

_SCHEMA = [
    (S001,
     "La clé n'existe pas pour ce type d'entité : souvent une faute de frappe. Le message propose la clé la plus proche.",
     Example(bad={_E: _OK.replace("type:", "typ:")}, good={_E: _OK})),
    (S002,
     "Chaque type d'entité a ses clés obligatoires (id, nom, statut, mis_a_jour, et d'autres selon le type). "
     "Une information inconnue se déclare dans a_completer au lieu d'être inventée, mais les clés obligatoires "
     "doivent être présentes.",
     Example(bad={_E: _OK.replace("type: entreprise\n", "")}, good={_E: _OK})),
    (S003,
     "La valeur n'a pas le type attendu : un texte au lieu d'un nombre, un nombre au lieu d'un texte… "
     "Attention aux pièges de YAML : « 09 », « 31000 » ou « 0561000000 » doivent être entre guillemets "
     "pour rester du texte ; un nombre de bénéficiaires s'écrit sans guillemets.",
     Example(bad={_E: _OK + "siren: 123456782\n"}, good={_E: _OK + "siren: \"123456782\"\n"})),
    (S004,
     "La valeur doit être choisie dans un vocabulaire du registre (types d'action, statuts, secteurs, "
     "départements…). Le message liste les valeurs possibles avec leur libellé.",
     Example(bad={_E: _OK.replace("statut: actif", "statut: active")}, good={_E: _OK})),
    (S005,
     "La valeur ne respecte pas le format attendu : date AAAA-MM-JJ, UAI (7 chiffres et une lettre), "
     "SIREN (9 chiffres), identifiant en minuscules et tirets, adresse web…",
     Example(bad={_E: _OK.replace("2024-01-15", "15/01/2024")}, good={_E: _OK})),
    (S006,
     "Texte vide, liste vide, nombre négatif ou trop grand.",
     Example(bad={_E: _OK.replace("nom: Exemple Bois", "nom: \"\"")}, good={_E: _OK})),
    (S007,
     "La même valeur apparaît deux fois dans une liste qui n'en admet qu'une (membres, départements…).",
     Example(bad={_E: _OK + "etiquettes: [bois, bois]\n"}, good={_E: _OK + "etiquettes: [bois]\n"})),
]

_COLUMNS = "Identifiant_de_l_etablissement;Nom_etablissement;Code_nature;Code_departement;Code_academie;Nom_commune;SIREN_SIRET\n"
_ROW = _COLUMNS + "0110007Y;Lycée polyvalent Jules Fil;306;011;11;Carcassonne;{siret}\n"
_IMPORT = "eee import annuaire annuaire.csv --uai 0110007Y"
_CREATED = "créé       registry/etablissements/0110007y.yaml\n"
_DONE = "Import terminé : {} créé(s), 0 mis à jour, 0 inchangé(s), 0 ignoré(s).\n"

_IMPORTS = [
    (I001,
     "Une ligne de l'export de l'Annuaire de l'éducation qui ne peut pas être crue est refusée avant toute "
     "écriture, avec son numéro de ligne : SIRET abîmé par un tableur (« 2,17003E+13 » : le fichier a été ouvert "
     "puis enregistré dans un tableur), établissement hors de la région académique Occitanie, identifiant qui "
     "n'est pas un UAI (« ../x », vide…), nombre de champs différent de celui de l'en-tête, caractère de "
     "contrôle. Un UAI demandé par --uai et absent du fichier est signalé avec l'UAI le plus proche. Un fichier "
     "illisible jusqu'au bout (guillemets jamais refermés, caractère nul, champ de plus de 128 Ko) n'est pas "
     "importé du tout. Téléchargez à nouveau l'export CSV original, sans l'ouvrir dans un tableur. "
     "Code de sortie : 1.",
     ImportExample(_IMPORT, _ROW.format(siret="1,9110E+13"),
                   "annuaire.csv:2: [erreur] SIRET « 1,9110E+13 » abîmé par un tableur : la ligne de 0110007Y est "
                   "refusée (EEE-I001)\n  → le fichier a été ouvert et enregistré dans un tableur : téléchargez à "
                   "nouveau l'export CSV original\n" + _DONE.format(0),
                   _ROW.format(siret="19110007200013"), _CREATED + _DONE.format(1))),
    (I002,
     "Le SIRET d'un établissement a une clé de contrôle fausse dans l'Annuaire de l'éducation : il n'est pas "
     "recopié dans le registre. Le fichier de l'établissement est créé sans lui et le note dans a_completer "
     "(champ siret) ; eee validate le rappelle (EEE-R031) jusqu'à ce qu'un SIRET vérifié, par exemple dans "
     "l'annuaire des entreprises, soit écrit. L'import continue (code de sortie : 0).",
     ImportExample(_IMPORT, _ROW.format(siret="19110007200014"),
                   _CREATED + "annuaire.csv:2: [avertissement] SIRET « 19110007200014 » de 0110007Y invalide dans "
                   "l'Annuaire : il n'est pas importé (EEE-I002)\n  → le registre le signale à compléter ; "
                   "vérifiez-le dans l'annuaire des entreprises\n" + _DONE.format(1),
                   _ROW.format(siret="19110007200013"), _CREATED + _DONE.format(1))),
]


def catalogue() -> dict[str, CodeDoc]:
    """Every code of eee/catalogue.py with its documentation, sorted (a code without any is a KeyError)."""
    from .rules import RULES

    written: dict[Code, tuple[str, Example | ImportExample]] = {
        code: (doc, example) for code, doc, example in _READ + _SCHEMA + _IMPORTS}
    docs = {}
    for name, code in sorted(CODES.items()):
        if name in RULES:
            doc, example = inspect.cleandoc(RULES[name].__doc__ or ""), RULES[name].EXAMPLE
        elif code in written:
            doc, example = written[code]
        else:
            raise KeyError(f"{name}: no rule module nor documentation in eee/codes.py")
        docs[name] = CodeDoc(name, code.severity, code.title, doc, example, _LAYERS[name[4]])
    return docs


def _content_md(content: str | Special | None) -> str:
    if content is None:
        return "*(fichier supprimé)*\n"
    if isinstance(content, Special):
        return f"*({content.description})*\n"
    return f"```yaml\n{content}```\n" if content.endswith("\n") else f"```yaml\n{content}\n```\n"


def _files_md(files: dict[str, str | Special | None], empty: str) -> str:
    if not files:
        return f"{empty}\n"
    return "\n".join(f"`{path}` :\n\n{_content_md(content)}" for path, content in files.items())


def _import_md(command: str, csv: str, output: str) -> str:
    return (f"`annuaire.csv` (les colonnes utiles ici ; eee lit les colonnes par leur nom) :\n\n```csv\n{csv}```\n\n"
            f"`{command}` affiche :\n\n```text\n{output}```\n")


def explain(doc: CodeDoc, anchor: bool = True) -> str:
    """The Markdown documentation of one code; `anchor`: preceded by the HTML anchor docs/codes.md links to (not
    for a terminal, which would show it as it is)."""
    severity = "erreur" if doc.severity is Severity.ERROR else "avertissement"
    example = doc.example
    if isinstance(example, ImportExample):
        bad = _import_md(example.command, example.bad, example.bad_output)
        good = _import_md(example.command, example.good, example.good_output)
    else:
        bad = _files_md(example.bad, "Aucun fichier.")
        good = _files_md(example.good, "Le même registre sans le fichier ou le changement en faute.")
    return (
        (f"<a id=\"{doc.code.lower()}\"></a>\n\n" if anchor else "")
        + f"## {doc.code} — {doc.title}\n\n"
        f"Couche : {doc.layer}. Gravité : {severity}.\n\n"
        f"{doc.doc}\n\n"
        f"**Exemple en faute**\n\n{bad}\n"
        f"**Exemple corrigé**\n\n{good}"
    )


def docs_markdown(anchors: bool = True) -> str:
    """docs/codes.md: every code of eee validate and eee import, generated from the catalogue (`anchors`: see
    `explain`; the table's links need them)."""
    docs = catalogue()
    head = (
        "# Codes des problèmes signalés par `eee validate` et `eee import annuaire`\n\n"
        "Ce fichier est généré par `eee validate --explain tout` à partir du code "
        "(`eee/catalogue.py`, `eee/codes.py` et les règles `eee/rules/`) : ne le modifiez pas à la main.\n"
        "Chaque exemple est exécuté par les tests : l'exemple en faute produit le code, "
        "l'exemple corrigé ne le produit pas. Les exemples s'appliquent au registre de test "
        "`tests/cases/base/` ; ceux des codes d'import (EEE-I…) importent le fichier `annuaire.csv` "
        "montré dans une copie de ce registre, placée dans `registry/`.\n\n"
        "| code | gravité | problème |\n|---|---|---|\n"
    )
    rows = "".join(
        f"| [{d.code}](#{d.code.lower()}) | {'erreur' if d.severity is Severity.ERROR else 'avertissement'} | {d.title} |\n"
        for d in docs.values()
    )
    return head + rows + "\n" + "\n".join(explain(d, anchors) for d in docs.values())
