"""What the loader says of a file's text besides its data, in French: syntax errors, what the eye does not see.

- `syntax_problem`, `reader_problem`: PyYAML's English errors as French problems (EEE-Y002; EEE-Y005 for
  nesting deeper than libyaml reads), located where the user must look (an unclosed quote where it opens);
- `invisible_characters`: EEE-Y015 for invisible characters outside the text values (comments, keys, between
  tokens), and for hidden line breaks and bidirectional controls anywhere;
- `control_characters`: EEE-Y015 for control characters that an escape put in a key or a value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import yaml

from .catalogue import Y002, Y005, Y015
from .diagnostics import Problem
from .yamlcore import Alias, MappingEnd, MappingStart, Parser, Scalar, SequenceEnd, SequenceStart

# --------------------------------------------------------------------------- syntax

SYNTAX_FR = [  # (what PyYAML's English message contains, the French message, the French hint)
    ("mapping values are not allowed", "deux-points inattendu : une valeur contient « : » ou l'indentation est décalée",
     "mettez la valeur entre guillemets si elle contient « : », sinon alignez la clé sur les autres"),
    ("'\\t' that cannot start any token", "tabulation interdite : YAML s'indente avec des espaces",
     "remplacez les tabulations par des espaces (réglage « indenter avec des espaces » de l'éditeur)"),
    ("that cannot start any token", "caractère interdit à cet endroit (« @ », « ` » ou « % » en début de valeur ?)",
     "YAML n'accepte pas les tabulations pour indenter : utilisez des espaces ; mettez entre guillemets une valeur qui commence par @ ou `"),
    ("did not find expected key", "clé attendue : l'indentation de cette ligne ne correspond pas au bloc",
     "alignez cette ligne sur les autres clés du même bloc"),
    ("did not find expected '-' indicator", "élément de liste attendu (« - ») : l'indentation ne correspond pas",
     "alignez les éléments de la liste ou retirez le décalage"),
    ("did not find expected ',' or ']'", "ce crochet « [ » n'est jamais refermé",
     "ajoutez le « ] » manquant en fin de liste, ou séparez les éléments par des virgules"),
    ("did not find expected ',' or '}'", "cette accolade « { » n'est jamais refermée",
     "ajoutez l'« } » manquante, ou séparez les éléments par des virgules"),
    ("quoted scalar found unexpected end of stream", "ces guillemets ne sont jamais refermés",
     "refermez les guillemets à la fin de la valeur"),
    ("while scanning a quoted scalar", "ces guillemets ne sont pas refermés sur la même valeur",
     "refermez les guillemets à la fin de la valeur ; une apostrophe dans un texte entre apostrophes s'écrit ''"),
    ("expected <block end>", "indentation incohérente : cette ligne ne s'aligne sur aucun bloc",
     "alignez cette ligne sur les clés du même bloc (mêmes espaces en début de ligne)"),
    ("found undefined alias", "alias non défini", "définissez l'ancre (&nom) avant d'utiliser l'alias (*nom), ou recopiez la valeur"),
    ("could not find expected ':'", "« : » attendu après la clé", "écrivez « cle: valeur » (avec un espace après les deux-points)"),
    ("found unknown escape character", "séquence d'échappement inconnue entre guillemets doubles",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("control characters are not allowed", "caractère de contrôle interdit dans le fichier", "supprimez ce caractère invisible"),
    ("found a tab character", "tabulation interdite à cet endroit", "remplacez les tabulations par des espaces"),
    ("did not find expected node content", "valeur attendue", "complétez la valeur ou supprimez le séparateur en trop"),
    ("did not find expected <document start>", "contenu inattendu après la fin du document", "vérifiez l'indentation de cette ligne"),
    ("found duplicate anchor", "ancre définie deux fois", "donnez un nom différent à chaque ancre (&nom)"),
    ("did not find expected hexdecimal number", "séquence d'échappement incomplète entre guillemets doubles "
     "(« \\x », « \\u » ou « \\U » sans ses chiffres hexadécimaux)",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("found invalid Unicode character escape code", "séquence d'échappement d'un caractère Unicode qui n'existe pas",
     "doublez la barre oblique inverse (\\\\) ou utilisez des guillemets simples"),
    ("found unexpected document indicator", "« --- » ou « ... » en début de ligne à l'intérieur d'un texte entre "
     "guillemets", "indentez cette ligne du texte"),
    ("found unexpected ':'", "deux-points inattendu dans une valeur", "mettez la valeur entre guillemets"),
    ("block sequence entries are not allowed", "élément de liste (« - ») inattendu à cet endroit",
     "alignez le tiret sous la clé de la liste, ou mettez la valeur entre guillemets"),
    ("mapping keys are not allowed", "clé inattendue à cet endroit", "vérifiez l'indentation de cette ligne"),
    ("found an indentation indicator equal to 0", "indicateur d'indentation 0 après « | » ou « > »",
     "écrivez « | » ou « > » seul (ou suivi d'un chiffre de 1 à 9)"),
    ("while scanning a block scalar", "texte inattendu après « | » ou « > » sur la même ligne",
     "le texte d'un bloc commence à la ligne suivante"),
    ("while scanning an anchor", "nom d'ancre (&) ou d'alias (*) invalide",
     "mettez la valeur entre guillemets si elle commence par « & » ou « * »"),
    ("while scanning an alias", "nom d'ancre (&) ou d'alias (*) invalide",
     "mettez la valeur entre guillemets si elle commence par « & » ou « * »"),
    ("while scanning a tag", "étiquette YAML (« ! ») mal écrite",
     "mettez la valeur entre guillemets si elle commence par « ! »"),
    ("found undefined tag handle", "étiquette YAML (« ! ») inconnue",
     "mettez la valeur entre guillemets si elle commence par « ! »"),
    ("directive", "directive YAML (« % ») inconnue, répétée ou mal écrite",
     "supprimez la ligne qui commence par « % » : le registre n'en a pas besoin"),
    ("found incompatible YAML document", "version de YAML non prise en charge (%YAML)",
     "supprimez la ligne qui commence par « %YAML »"),
    ("did not find expected comment or line break", "texte inattendu en fin de ligne",
     "mettez la valeur entre guillemets, ou passez à la ligne"),
    ("did not find expected <stream-end>", "contenu inattendu après la fin du document",
     "vérifiez l'indentation de cette ligne"),
]


def syntax_problem(path: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    """A YAML syntax error in French (EEE-Y002; EEE-Y005 for nesting deeper than libyaml reads), where the user
    must look: an unclosed quote or bracket where it opens."""
    english = " ".join(x for x in (exc.context, exc.problem) if x)
    mark = exc.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        english = "'\\t' that cannot start any token"  # libyaml does not name the character: a tab
    # An unclosed quote or bracket is noticed far below: point at where it was opened.
    opened = exc.context and exc.context.startswith(("while scanning a quoted scalar", "while parsing a flow"))
    mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if "maximum nesting depth" in english:  # libyaml ≥ 0.2.6 stops at its own depth limit first
        return Y005.problem(path, line, col, "imbrication trop profonde (au-delà de ce que lit YAML)",
                            "une entité du registre n'a besoin que de quelques niveaux : simplifiez la structure")
    message, hint = "erreur de syntaxe YAML à cet endroit", "vérifiez l'indentation et les guillemets de cette ligne"
    for needle, fr, fr_hint in SYNTAX_FR:
        if needle in english:
            message, hint = f"erreur de syntaxe YAML : {fr}", fr_hint
            break
    return Y002.problem(path, line, col, message, hint)


def reader_problem(path: str, exc: yaml.reader.ReaderError, text: str) -> Problem:
    """A character PyYAML's reader refuses (a control character), in French (EEE-Y002); it carries an offset in
    the text, not a mark."""
    index = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, index) + 1
    return Y002.problem(path, line, index - text.rfind("\n", 0, index),
                        f"caractère de contrôle interdit (U+{exc.character:04X}) dans le fichier"
                        if isinstance(exc.character, int) else "caractère interdit dans le fichier",
                        "supprimez ce caractère invisible (souvent issu d'un copier-coller)")


# --------------------------------------------------------------------------- what the eye does not see

# Line breaks for YAML that git, grep and most editors do not show as such (NEL, LINE and PARAGRAPH
# SEPARATOR), and bidirectional controls that reorder what is shown (« Trojan Source »): refused anywhere.
_HIDDEN_BREAKS = "\x85\u2028\u2029"
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Every invisible format character (Unicode category Cf, with the breaks above): allowed inside a text value
# (a soft hyphen, a joiner in an emoji), never in a comment, a key or between the tokens of the file.
_INVISIBLE = (f"[{_HIDDEN_BREAKS}{_BIDI}\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
              "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001-\U000e007f]")  # none of them ASCII
_ALWAYS_REFUSED = f"[{_HIDDEN_BREAKS}{_BIDI}]"
# Control characters a value may hold only through an escape of a double-quoted text (« \e », « \u2028 »):
# never shown, some drive a terminal (ESC), others break a line (CR, LS) or reorder the text (bidirectional
# controls, refused anywhere else too). Tab and line feed are text.
_CONTROL = f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_HIDDEN_BREAKS}{_BIDI}]"
# These patterns are compiled on first use (`_compiled`): compiling them with the module cost any command that
# imports the loader some 1.2 ms, although a run whose files all come from the cache reads none of them, and few
# files need the last two.
_NAMES = {"\x85": "NEL, saut de ligne", "\u2028": "séparateur de ligne", "\u2029": "séparateur de paragraphe",
          "\u200b": "espace sans chasse", "\u00ad": "trait d'union conditionnel", "\ufeff": "indicateur d'ordre "
          "des octets", "\u200e": "marque gauche-à-droite", "\u200f": "marque droite-à-gauche",
          "\x1b": "échappement", "\r": "retour chariot", "\u00a0": "espace insécable",
          "\u202f": "espace fine insécable", "\u2009": "espace fine", "\u2007": "espace de chiffre"}


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def character(char: str) -> str:
    """A character people cannot see, named for them: « U+00A0, espace insécable »."""
    name = _NAMES.get(char)
    if name is None and ("\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"):
        name = "contrôle bidirectionnel"
    return f"U+{ord(char):04X}" + (f", {name}" if name else "")


def invisible_characters(path: str, text: str) -> list[Problem]:
    """EEE-Y015 for each invisible character outside a text value (and hidden line breaks and bidirectional
    controls anywhere). Positions count only the line feeds editors show."""
    if text.isascii():
        return []
    invisible = _compiled(_INVISIBLE)
    if invisible.search(text) is None:  # most files
        return []
    refused = _compiled(_ALWAYS_REFUSED)
    spans = _value_spans(text)
    found = []
    for match in invisible.finditer(text):
        index = match.start()
        char = match.group()
        if not refused.match(char) and any(start <= index < end for start, end in spans):
            continue
        line = text.count("\n", 0, index) + 1
        col = index - text.rfind("\n", 0, index)
        if char in _HIDDEN_BREAKS:
            message = (f"caractère invisible ({character(char)}) : YAML y voit un retour à la ligne, "
                       "mais ni git ni la plupart des éditeurs ne le montrent")
        elif refused.match(char):
            message = f"caractère invisible ({character(char)}) : il change l'ordre d'affichage du texte"
        else:
            message = f"caractère invisible ({character(char)}) hors d'une valeur (commentaire, clé ou mise en forme)"
        found.append(Y015.problem(path, line, col, message,
                                  "supprimez ce caractère (souvent issu d'un copier-coller) : rien ne doit être "
                                  "caché dans un fichier du registre"))
    return found


def _value_spans(text: str) -> list[tuple[int, int]]:
    """Where the text values of a file are (character offsets), keys excluded; none if it cannot be read."""
    spans: list[tuple[int, int]] = []
    roles: list[str] = []  # per open collection: "key" or "value" (what a mapping awaits next), or "item"
    try:
        for event in iter(Parser(text).get_event, None):
            cls = type(event)
            if cls is MappingEnd or cls is SequenceEnd:
                roles.pop()
                continue
            if cls not in (Scalar, Alias, MappingStart, SequenceStart):
                continue
            role = roles[-1] if roles else "item"
            if role != "item":
                roles[-1] = "value" if role == "key" else "key"
            if cls is Scalar and role != "key":
                start, end = event.start_mark, event.end_mark
                assert start is not None and end is not None  # the parser marks every event it makes
                spans.append((start.index, end.index))
            elif cls is MappingStart:
                roles.append("key")
            elif cls is SequenceStart:
                roles.append("item")
    except yaml.YAMLError:
        pass  # the values read before the error keep their spans; the syntax error is reported on its own
    return spans


def control_characters(path: str, value: Any, position: Callable[..., tuple[int, int]]) -> list[Problem]:
    """EEE-Y015 for each key or text value of a document's data holding a control character (written as an
    escape: « \\e », « \\x1b »); `position(pointer, key=…)` says where a value or its key is."""
    control = _compiled(_CONTROL)
    found: list[tuple[tuple[Any, ...], str, bool]] = []

    def walk(item: Any, pointer: tuple[Any, ...]) -> None:
        if isinstance(item, str):
            match = control.search(item)
            if match:
                found.append((pointer, match.group(), False))
        elif isinstance(item, dict):
            for key, child in item.items():
                match = control.search(key)
                if match:
                    found.append((pointer + (key,), match.group(), True))
                walk(child, pointer + (key,))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                walk(child, pointer + (index,))

    walk(value, ())
    problems = []
    for pointer, char, is_key in found:
        line, col = position(pointer, key=is_key)
        where = "une clé" if is_key else "une valeur"
        problems.append(Y015.problem(path, line, col,
                                     f"caractère de contrôle ({character(char)}) dans {where}, écrit par une séquence "
                                     "d'échappement : invisible à l'écran, il peut brouiller un terminal ou une page",
                                     "supprimez la séquence d'échappement (« \\e », « \\x1b », « \\r »…) ; "
                                     "pour un retour à la ligne, écrivez le texte en bloc avec « | »"))
    return problems

