"""What the rules' examples share (the domain knowledge they use is in `eee.domain`)."""

from __future__ import annotations

# The école of the rules' examples (tests/cases/base holds the same file).
EXAMPLE_SCHOOL_PATH = "etablissements/0312686b.yaml"
EXAMPLE_SCHOOL = """id: 0312686b
nom: Lycée polyvalent Saint Exupéry
statut: ouvert
uai: 0312686B
nature: lycee_polyvalent
commune: Blagnac
departement: "31"
academie: toulouse
sources:
  - titre: Annuaire de l'éducation
mis_a_jour: 2024-11-26
"""
