"""Problems found in a file someone wrote (a policy, a directory): each with its line and a plain reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Path = tuple[str | int, ...]
LineOf = Callable[[Path], "int | None"]


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


class InvalidFile(ValueError):
    """The file has problems; `errors` lists every one, `source` names the file when known."""

    what = "file"

    def __init__(self, errors: Iterable[Problem], source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        count = len(self.errors)
        lines = [f"{where}{count} problem{'' if count == 1 else 's'} in the {self.what}:"]
        lines += [f"  {e}" for e in self.errors]
        return "\n".join(lines)
