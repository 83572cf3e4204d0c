"""eee: the registry of the École-Entreprise-Économie network of Occitanie."""

__version__ = "0.1.0"
