from __future__ import annotations


class FimImportError(ValueError):
    """A FIM/XDatenfelder file cannot be imported. The message is German and names the problem."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.line = line


def at_line(line: int | None, message: str) -> str:
    return f"Zeile {line}: {message}" if line else message
