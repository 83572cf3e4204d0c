"""The catalogue of every problem code, with its documentation.

Read (EEE-Y…) and schema (EEE-S…) codes are documented here; rule codes
(EEE-R…) by their rule modules. `eee validate --explain CODE` and
docs/codes.md are generated from this catalogue, and the tests run every
example: the failing one must produce its code, the passing one must not.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

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
class CodeDoc:
    code: str
    severity: Severity
    title: str
    doc: str  # French explanation
    example: Example
    layer: str  # "lecture", "schéma", "règle"


_READ = [
    ("EEE-Y001", Severity.ERROR, "fichier illisible ou mal encodé",
     "Le registre se lit en UTF-8 (avec ou sans BOM). Un fichier enregistré en Latin-1, Windows-1252 "
     "ou UTF-16, ou qui contient un caractère nul, est refusé : réenregistrez-le en UTF-8.",
     Example(bad={_E: Special("le même fichier enregistré en Latin-1 (« é » codé 0xE9)", _OK.replace("Exemple Bois", "Exemple Bois Élagage").encode("latin-1"))},
             good={_E: _OK})),
    ("EEE-Y002", Severity.ERROR, "erreur de syntaxe YAML",
     "Le fichier n'est pas du YAML valide : indentation décalée, tabulation, guillemets non refermés, "
     "deux-points dans une valeur sans guillemets, plusieurs documents séparés par « --- »…",
     Example(bad={_E: _OK.replace("nom: Exemple Bois", "nom: Exemple Bois: scierie")},
             good={_E: _OK.replace("nom: Exemple Bois", "nom: \"Exemple Bois: scierie\"")})),
    ("EEE-Y003", Severity.ERROR, "clé en double",
     "Une même clé apparaît deux fois dans un bloc. YAML garderait la dernière sans prévenir : "
     "eee refuse le fichier pour que rien ne se perde.",
     Example(bad={_E: _OK + "nom: Exemple Bois SARL\n"}, good={_E: _OK})),
    ("EEE-Y004", Severity.ERROR, "étiquette YAML refusée",
     "Les étiquettes qui construisent des objets (!!python/object…, !!binary, !!set…) et la fusion « << » "
     "sont refusées et jamais exécutées ; seule « !!str » (forcer du texte) est acceptée.",
     Example(bad={_E: _OK.replace("type: entreprise", "type: !!python/object/apply:os.system [\"ls\"]")},
             good={_E: _OK})),
    ("EEE-Y005", Severity.ERROR, "structure trop profonde ou alias abusifs",
     "Un fichier dont les alias (*nom) se développent en trop de valeurs (« billion laughs »), "
     "dont un alias se contient lui-même, ou imbriqué sur plus de 64 niveaux, est refusé.",
     Example(bad={_E: _OK + "etiquettes: &a [*a]\n"}, good={_E: _OK + "etiquettes: [bois, scierie]\n"})),
    ("EEE-Y006", Severity.ERROR, "fichier vide",
     "Le fichier ne contient rien (ou seulement des commentaires).",
     Example(bad={_E: "# à remplir\n"}, good={_E: _OK})),
    ("EEE-Y007", Severity.ERROR, "le fichier ne décrit pas une entité",
     "Un fichier décrit une entité : un bloc de « clé: valeur » au premier niveau, pas une liste ni un texte seul.",
     Example(bad={_E: "- id: exemple-bois\n- nom: Exemple Bois\n"}, good={_E: _OK})),
    ("EEE-Y008", Severity.ERROR, "clé complexe",
     "Une clé est un simple mot (nom_de_cle) ; une liste ou un bloc utilisé comme clé (« ? […] ») est refusé.",
     Example(bad={_E: _OK + "? [a, b]\n: valeur\n"}, good={_E: _OK})),
    ("EEE-Y009", Severity.ERROR, "lien vers l'extérieur du registre",
     "Un lien symbolique qui sort du dossier du registre n'est jamais suivi : le registre doit se suffire à lui-même.",
     Example(bad={"partenaires/lien.yaml": Special("un lien symbolique vers /etc/hostname", link_to="/etc/hostname")},
             good={})),
    ("EEE-Y010", Severity.ERROR, "extension .yml",
     "Seuls les fichiers .yaml sont lus : un fichier .yml serait ignoré sans bruit, eee le signale.",
     Example(bad={_E: None, "partenaires/exemple-bois.yml": _OK}, good={})),
    ("EEE-Y011", Severity.WARNING, "fichier non YAML ignoré",
     "Un fichier qui n'est pas .yaml dans un dossier d'entités est ignoré ; eee le signale au cas où.",
     Example(bad={"partenaires/notes.txt": "à trier\n"}, good={})),
    ("EEE-Y012", Severity.ERROR, "fichier mal rangé",
     "Chaque entité se range dans le dossier de son type (clee/, partenaires/…) ; actions et événements "
     "dans le sous-dossier de leur année scolaire (actions/2022-2023/). Un fichier ailleurs n'est pas lu.",
     Example(bad={_E: None, "partenaire/exemple-bois.yaml": _OK}, good={})),
    ("EEE-Y014", Severity.WARNING, "valeur ambiguë sans guillemets",
     "eee ne devine jamais un type : « 09 », « 0561000000 », « NO », « on » ou « 18:30 » écrits sans guillemets "
     "restent le texte écrit. Mais d'autres outils YAML, et les éditeurs qui vérifient le schéma, y voient un "
     "nombre ou un booléen : mettez ces valeurs entre guillemets pour que le fichier se lise partout de la même façon.",
     Example(bad={"partenaires/exemple-bois.yaml": _OK + "sites:\n  - {commune: Pamiers, departement: 09}\n"},
             good={"partenaires/exemple-bois.yaml": _OK + "sites:\n  - {commune: Pamiers, departement: \"09\"}\n"})),
    ("EEE-Y015", Severity.ERROR, "caractère invisible ou de contrôle",
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
    ("EEE-Y016", Severity.ERROR, "nombre démesuré",
     "Un nombre de plus de 4 300 chiffres, ou trop grand pour être calculé (1.0e999), ne peut être ni lu ni "
     "réécrit par aucun programme : c'est une erreur de saisie. Un texte fait de chiffres s'écrit entre guillemets.",
     Example(bad={_A: Special("le même fichier avec « nombre: 2222…2222 » (4 400 chiffres)",
                              _ACTION.replace("nombre: 25", "nombre: " + "2" * 4400).encode())},
             good={_A: _ACTION})),
    ("EEE-Y013", Severity.ERROR, "fichier trop volumineux",
     "Une entité tient en quelques kilo-octets ; un fichier de plus de 5 Mio n'est pas lu.",
     Example(bad={_E: Special("un fichier de 6 Mio", _OK.encode(), pad_to=6 * 1024 * 1024)}, good={_E: _OK})),
]

_SCHEMA = [
    ("EEE-S001", Severity.ERROR, "clé inconnue",
     "La clé n'existe pas pour ce type d'entité : souvent une faute de frappe. Le message propose la clé la plus proche.",
     Example(bad={_E: _OK.replace("type:", "typ:")}, good={_E: _OK})),
    ("EEE-S002", Severity.ERROR, "clé obligatoire manquante",
     "Chaque type d'entité a ses clés obligatoires (id, nom, statut, mis_a_jour, et d'autres selon le type). "
     "Une information inconnue se déclare dans a_completer au lieu d'être inventée, mais les clés obligatoires "
     "doivent être présentes.",
     Example(bad={_E: _OK.replace("type: entreprise\n", "")}, good={_E: _OK})),
    ("EEE-S003", Severity.ERROR, "valeur du mauvais type",
     "La valeur n'a pas le type attendu : un texte au lieu d'un nombre, un nombre au lieu d'un texte… "
     "Attention aux pièges de YAML : « 09 », « 31000 » ou « 0561000000 » doivent être entre guillemets "
     "pour rester du texte ; un nombre de bénéficiaires s'écrit sans guillemets.",
     Example(bad={_E: _OK + "siren: 123456782\n"}, good={_E: _OK + "siren: \"123456782\"\n"})),
    ("EEE-S004", Severity.ERROR, "valeur hors vocabulaire",
     "La valeur doit être choisie dans un vocabulaire du registre (types d'action, statuts, secteurs, "
     "départements…). Le message liste les valeurs possibles avec leur libellé.",
     Example(bad={_E: _OK.replace("statut: actif", "statut: active")}, good={_E: _OK})),
    ("EEE-S005", Severity.ERROR, "format invalide",
     "La valeur ne respecte pas le format attendu : date AAAA-MM-JJ, UAI (7 chiffres et une lettre), "
     "SIREN (9 chiffres), identifiant en minuscules et tirets, adresse web…",
     Example(bad={_E: _OK.replace("2024-01-15", "15/01/2024")}, good={_E: _OK})),
    ("EEE-S006", Severity.ERROR, "valeur hors limites",
     "Texte vide, liste vide, nombre négatif ou trop grand.",
     Example(bad={_E: _OK.replace("nom: Exemple Bois", "nom: \"\"")}, good={_E: _OK})),
    ("EEE-S007", Severity.ERROR, "doublon dans une liste",
     "La même valeur apparaît deux fois dans une liste qui n'en admet qu'une (membres, départements…).",
     Example(bad={_E: _OK + "etiquettes: [bois, bois]\n"}, good={_E: _OK + "etiquettes: [bois]\n"})),
]


def _rule_docs() -> list[CodeDoc]:
    from .rules import RULES

    return [
        CodeDoc(code, module.SEVERITY, module.TITLE, inspect.cleandoc(module.__doc__ or ""), module.EXAMPLE, "règle")
        for code, module in RULES.items()
    ]


def catalogue() -> dict[str, CodeDoc]:
    """Every code, sorted."""
    docs = [CodeDoc(c, s, t, d, e, "lecture") for c, s, t, d, e in _READ]
    docs += [CodeDoc(c, s, t, d, e, "schéma") for c, s, t, d, e in _SCHEMA]
    docs += _rule_docs()
    return {d.code: d for d in sorted(docs, key=lambda d: d.code)}


def _content_md(content: "str | Special | None") -> str:
    if content is None:
        return "*(fichier supprimé)*\n"
    if isinstance(content, Special):
        return f"*({content.description})*\n"
    return f"```yaml\n{content}```\n" if content.endswith("\n") else f"```yaml\n{content}\n```\n"


def _files_md(files: dict[str, "str | Special | None"], empty: str) -> str:
    if not files:
        return f"{empty}\n"
    return "\n".join(f"`{path}` :\n\n{_content_md(content)}" for path, content in files.items())


def explain(doc: CodeDoc) -> str:
    """The Markdown documentation of one code."""
    severity = "erreur" if doc.severity is Severity.ERROR else "avertissement"
    return (
        f"<a id=\"{doc.code.lower()}\"></a>\n\n## {doc.code} — {doc.title}\n\n"
        f"Couche : {doc.layer}. Gravité : {severity}.\n\n"
        f"{doc.doc}\n\n"
        f"**Exemple en faute**\n\n{_files_md(doc.example.bad, 'Aucun fichier.')}\n"
        f"**Exemple corrigé**\n\n"
        f"{_files_md(doc.example.good, 'Le même registre sans le fichier ou le changement en faute.')}"
    )


def docs_markdown() -> str:
    """docs/codes.md: every code of eee validate, generated from the catalogue."""
    docs = catalogue()
    head = (
        "# Codes des problèmes signalés par `eee validate`\n\n"
        "Ce fichier est généré par `eee validate --explain tout` à partir du code "
        "(`eee/codes.py` et les règles `eee/rules/`) : ne le modifiez pas à la main.\n"
        "Chaque exemple est exécuté par les tests : l'exemple en faute produit le code, "
        "l'exemple corrigé ne le produit pas. Les exemples s'appliquent au registre de test "
        "`tests/cases/base/`.\n\n"
        "| code | gravité | problème |\n|---|---|---|\n"
    )
    rows = "".join(
        f"| [{d.code}](#{d.code.lower()}) | {'erreur' if d.severity is Severity.ERROR else 'avertissement'} | {d.title} |\n"
        for d in docs.values()
    )
    return head + rows + "\n" + "\n".join(explain(d) for d in docs.values())
