"""``FieldworkError``: a frame, sample or disposition file that cannot be used, said with where and what to do."""

from __future__ import annotations


class FieldworkError(ValueError):
    """The message names the file (or "the frame" for a DataFrame), the row and column, what is wrong and
    what to do. ``file``, ``row`` and ``column`` are kept for callers that collect problems."""

    def __init__(self, message: str, *, file: str | None = None, row: str | None = None,
                 column: str | None = None) -> None:
        self.file, self.row, self.column = file, row, column
        where = ", ".join(p for p in (file, row, column and f"column {column}") if p)
        super().__init__(f"{where}: {message}" if where else message)


__all__ = ["FieldworkError"]
