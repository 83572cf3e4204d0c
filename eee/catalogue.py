"""Every problem code, declared once: its severity and its French title.

A problem is built through its code's declaration, never from a string:
`Y002.problem(path, line, column, message, hint)` — so a code missing here
cannot be used (the import fails), and a severity is never restated. A rule
module takes its code and severity from here (`CODE = R001.code`). Read
(EEE-Y…) and schema (EEE-S…) codes come from `eee validate`'s reading of each
file, rule codes (EEE-R…) from `eee/rules/`, import codes (EEE-I…) from
`eee import annuaire`.

The explanations and examples, heavier, are in `eee/codes.py` (for `eee
validate --explain` and docs/codes.md); this module is imported on every run
and holds nothing else (standard library only).
"""

from __future__ import annotations

from .diagnostics import Problem, Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING


class Code:
    """A problem code (« EEE-Y002 »), with its severity and its French title.

    Each code is one object, declared below: two codes are equal only if they are the same. (A plain class,
    not a dataclass: building a dataclass would cost this module, imported by every run, 0.7 ms.)
    """

    __slots__ = ("code", "severity", "title")

    def __init__(self, code: str, severity: Severity, title: str) -> None:
        self.code = code
        self.severity = severity
        self.title = title

    def __repr__(self) -> str:
        return f"Code({self.code!r}, {self.severity}, {self.title!r})"

    def problem(self, path: str, line: int, column: int, message: str, hint: str = "",
                entity: str = "") -> Problem:
        """A problem of this code (see `Problem` for the fields)."""
        return Problem(path, line, column, self.code, self.severity, message, hint, entity)


# Reading a file (eee/discovery.py, eee/textcheck.py, eee/loader.py, eee/filecheck.py, eee/history.py).
Y001 = Code("EEE-Y001", ERROR, "fichier illisible ou mal encodé")
Y002 = Code("EEE-Y002", ERROR, "erreur de syntaxe YAML")
Y003 = Code("EEE-Y003", ERROR, "clé en double")
Y004 = Code("EEE-Y004", ERROR, "étiquette YAML refusée")
Y005 = Code("EEE-Y005", ERROR, "structure trop profonde ou alias abusifs")
Y006 = Code("EEE-Y006", ERROR, "fichier vide")
Y007 = Code("EEE-Y007", ERROR, "le fichier ne décrit pas une entité")
Y008 = Code("EEE-Y008", ERROR, "clé complexe")
Y009 = Code("EEE-Y009", ERROR, "lien vers l'extérieur du registre")
Y010 = Code("EEE-Y010", ERROR, "extension .yml")
Y011 = Code("EEE-Y011", WARNING, "fichier non YAML ignoré")
Y012 = Code("EEE-Y012", ERROR, "fichier mal rangé")
Y013 = Code("EEE-Y013", ERROR, "fichier trop volumineux")
Y014 = Code("EEE-Y014", WARNING, "valeur ambiguë sans guillemets")
Y015 = Code("EEE-Y015", ERROR, "caractère invisible ou de contrôle")
Y016 = Code("EEE-Y016", ERROR, "nombre démesuré")

# The schemas (eee/schemacheck.py).
S001 = Code("EEE-S001", ERROR, "clé inconnue")
S002 = Code("EEE-S002", ERROR, "clé obligatoire manquante")
S003 = Code("EEE-S003", ERROR, "valeur du mauvais type")
S004 = Code("EEE-S004", ERROR, "valeur hors vocabulaire")
S005 = Code("EEE-S005", ERROR, "format invalide")
S006 = Code("EEE-S006", ERROR, "valeur hors limites")
S007 = Code("EEE-S007", ERROR, "doublon dans une liste")

# The rules: one module of eee/rules/ each.
R001 = Code("EEE-R001", ERROR, "identifiant différent du nom du fichier")
R002 = Code("EEE-R002", ERROR, "identifiant en double")
R003 = Code("EEE-R003", ERROR, "référence introuvable")
R004 = Code("EEE-R004", ERROR, "référence vers une entité du mauvais type")
R005 = Code("EEE-R005", WARNING, "partenaire orphelin")
R006 = Code("EEE-R006", ERROR, "fichier reseau.yaml absent")
R010 = Code("EEE-R010", ERROR, "lettre de contrôle de l'UAI fausse")
R011 = Code("EEE-R011", ERROR, "UAI et département ne concordent pas")
R012 = Code("EEE-R012", ERROR, "identifiant d'établissement différent de son UAI")
R013 = Code("EEE-R013", ERROR, "SIREN ou SIRET invalide")
R014 = Code("EEE-R014", ERROR, "SIRET et SIREN ne concordent pas")
R015 = Code("EEE-R015", ERROR, "académie et département ne concordent pas")
R016 = Code("EEE-R016", ERROR, "année scolaire impossible")
R017 = Code("EEE-R017", ERROR, "date hors de l'année scolaire")
R018 = Code("EEE-R018", ERROR, "entité rangée dans le dossier d'une autre année")
R019 = Code("EEE-R019", ERROR, "date de fin avant la date de début")
R020 = Code("EEE-R020", WARNING, "année scolaire non déclarée dans reseau.yaml")
R021 = Code("EEE-R021", WARNING, "effectif attendu non atteint")
R022 = Code("EEE-R022", ERROR, "CLEE sans ses deux co-animateurs")
R023 = Code("EEE-R023", WARNING, "co-animateur absent des membres du CLEE")
R024 = Code("EEE-R024", ERROR, "catégorie de bénéficiaires en double")
R025 = Code("EEE-R025", ERROR, "UAI présent dans deux établissements")
R030 = Code("EEE-R030", WARNING, "entité sans source")
R031 = Code("EEE-R031", WARNING, "information à compléter")
R032 = Code("EEE-R032", WARNING, "date de mise à jour dans le futur")
R033 = Code("EEE-R033", WARNING, "champ à compléter inconnu")
R034 = Code("EEE-R034", WARNING, "statut périmé (toujours prévu ou en cours)")

# Importing schools from the Annuaire de l'éducation (eee/annuaire.py).
I001 = Code("EEE-I001", ERROR, "établissement non importé ou fichier de l'Annuaire illisible")
I002 = Code("EEE-I002", WARNING, "SIRET de l'Annuaire invalide, non importé")

# Every code above, by code (a test checks each name is its code: Y001 is « EEE-Y001 »).
CODES: dict[str, Code] = {value.code: value for value in list(globals().values()) if isinstance(value, Code)}
