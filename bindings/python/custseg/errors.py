"""Exceptions: one class per libcustseg status code, all under Error.

Each also derives from the closest built-in exception, so that
``except ValueError`` catches an invalid option and ``except LookupError``
an unknown customer. The message is the failing handle's detailed message
(custseg_dataset_errmsg() and friends), or custseg_strerror() when the
handle has none.
"""
from __future__ import annotations

from typing import Dict, Optional, Type


class Error(Exception):
    """Base of every libcustseg error.

    Attributes: ``status`` (the negative CUSTSEG_E* code), ``code`` (its
    name), ``message``, and for dataset errors ``line`` and ``column`` of
    the input (None when unknown).
    """
    status: int = 0

    def __init__(self, message: str, status: Optional[int] = None, *,
                 line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.message = message
        self.line = line
        self.column = column

    @property
    def code(self) -> str:
        from ._ffi import STATUS_NAMES
        return STATUS_NAMES.get(self.status, str(self.status))

    def __str__(self) -> str:
        return self.message


class OutOfMemoryError(Error, MemoryError):
    """CUSTSEG_ENOMEM: an allocation failed; nothing was changed."""
    status = -1


class InvalidArgumentError(Error, ValueError):
    """CUSTSEG_EINVAL: an argument or option value is invalid."""
    status = -2


class FileError(Error, OSError):
    """CUSTSEG_EIO: a file could not be opened, read or written."""
    status = -3

    def __str__(self) -> str:
        return self.message


class ParseError(Error, ValueError):
    """CUSTSEG_EPARSE: input could not be parsed (header, map, rule)."""
    status = -4


class NotFoundError(Error, LookupError):
    """CUSTSEG_ENOTFOUND: no such customer, column, option or item."""
    status = -5


class MisuseError(Error, RuntimeError):
    """CUSTSEG_EMISUSE: call not allowed in this state (frozen, closed)."""
    status = -6


class RangeError(Error, ValueError):
    """CUSTSEG_ERANGE: a value is outside its documented range."""
    status = -7


class CanceledError(Error):
    """CUSTSEG_ECANCELED: the progress callback asked to stop."""
    status = -8


class NoDataError(Error):
    """CUSTSEG_ENODATA: the dataset has no customers to segment."""
    status = -9


class LimitError(Error):
    """CUSTSEG_ELIMIT: a documented size limit would be exceeded."""
    status = -10


class CallbackError(Error):
    """CUSTSEG_ECALLBACK: a caller-supplied callback reported failure."""
    status = -11


ERRORS: Dict[int, Type[Error]] = {
    cls.status: cls for cls in (
        OutOfMemoryError, InvalidArgumentError, FileError, ParseError,
        NotFoundError, MisuseError, RangeError, CanceledError, NoDataError,
        LimitError, CallbackError)
}


def error_for(status: int, message: str = "", **where: Optional[int]) \
        -> Error:
    """The exception for a status code, with the library's message."""
    from ._ffi import lib, text
    if not message:
        message = text(lib.custseg_strerror(status))
    return ERRORS.get(status, Error)(message, status, **where)


def raise_for(status: int, message: str = "", **where: Optional[int]):
    raise error_for(status, message, **where)


__all__ = ["Error", "OutOfMemoryError", "InvalidArgumentError", "FileError",
           "ParseError", "NotFoundError", "MisuseError", "RangeError",
           "CanceledError", "NoDataError", "LimitError", "CallbackError",
           "ERRORS", "error_for", "raise_for"]
