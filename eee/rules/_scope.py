"""What a rule reads, its `SCOPE`: one entity alone (FILE) or the whole registry (REGISTRY).

The rule modules import these from here, not from the package, whose
`__init__` imports them (see its docstring for what each scope means).
"""

from __future__ import annotations

FILE = "fichier"
REGISTRY = "registre"
