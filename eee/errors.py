"""Conditions under which the tool cannot run (exit code 3). Standard library only.

Problems in the data are never exceptions: they are `diagnostics.Problem` values.
"""

from __future__ import annotations


class EeeError(Exception):
    """The tool cannot run; the message is a French sentence for the user."""

    exit_code = 3

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        """Pickled whole, hint included (an error raised in a worker process reaches the user as it was)."""
        return self.__class__, (self.message, self.hint)


class RegistryNotFound(EeeError):
    """Raised by settings when no registry folder can be found."""


class SchemaFileError(EeeError):
    """Raised by schema when a schema file of the installation is missing or broken."""


class NotFound(EeeError):
    """Raised by a query when what the user asked for is not in the registry (exit code 1)."""

    exit_code = 1


class InvalidRegistry(EeeError):
    """Raised by a command that needs a valid registry when `eee validate` finds errors (exit code 1)."""

    exit_code = 1


class UsageError(EeeError):
    """Raised by a service when the user's arguments make no sense (exit code 2)."""

    exit_code = 2
