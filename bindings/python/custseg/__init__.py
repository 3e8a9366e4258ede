"""custseg: Python bindings for libcustseg, customer segmentation in C.

A pure-Python package over ctypes: nothing is compiled at install time.
The shared library is found through ``CUSTSEG_LIBRARY``, the installed
library, or the build tree (see :mod:`custseg._ffi`). numpy and pandas
are used only when given numpy/pandas objects or asked for a DataFrame.

>>> import custseg
>>> with custseg.Dataset() as ds:
...     ds.add("alice", "A1", "2024-01-05", "49.99")
...     ds.add("bob", "B1", "2023-11-20", 12)
...     result = custseg.run("rfm", ds)
>>> [(s.name, s.count) for s in result if s.count]   # doctest: +SKIP

Money is exact: amounts go in as Decimal, int, float or text and come out
as Decimal (the library keeps int64 ten-thousandths). Times are Unix
seconds, datetime, date or text (custseg_parse_time()).
"""
from __future__ import annotations

import ctypes
from decimal import Decimal
from typing import Any, Callable, Optional

from . import _convert, _ffi
from ._convert import from_e4, parse_time, to_e4, to_seconds
from ._ffi import (ALLOC_FN, ALLOCATOR_VERSION, FORMATS, FREE_FN, REALLOC_FN,
                   STATS, Allocator, lib, text)
from .dataset import REJECT_REASONS, ROLES, Dataset, LoadReport
from .errors import (CallbackError, CanceledError, Error, FileError,
                     InvalidArgumentError, LimitError, MisuseError,
                     NoDataError, NotFoundError, OutOfMemoryError,
                     ParseError, RangeError, error_for)
from .result import (VARIABLES, MemberIterator, Result, Segment,
                     SegmentIterator)
from .strategy import (Assignment, Customer, Strategy, register_strategy,
                       run, unregister_strategy)

__version__ = "1.0.0"

#: The loaded library's version, e.g. "1.0.0", and number (10000).
library_version: str = text(lib.custseg_version_string())
library_version_number: int = lib.custseg_version()
#: Where the library was loaded from.
library_path: str = _ffi.path
#: Whether custom strategies are available (custseg_register_strategy).
HAVE_CUSTOM_STRATEGIES: bool = _ffi.has("custseg_register_strategy")


def version() -> str:
    """custseg_version_string() of the loaded library."""
    return library_version


def strerror(status: int) -> str:
    """custseg_strerror(): the English description of a status code."""
    return text(lib.custseg_strerror(status))


def parse_amount(text_: "str | bytes") -> Decimal:
    """Parse a decimal number as the loader does (rounded half to even to
    4 places), exactly: ``parse_amount("100.125") == Decimal("100.1250")``."""
    return from_e4(_convert.parse_amount_e4(text_))


_allocator_refs: Any = None


def set_allocator(alloc: Optional[Callable[[int], int]] = None,
                  realloc: Optional[Callable[[int, int], int]] = None,
                  free: Optional[Callable[[int], None]] = None) -> None:
    """custseg_set_allocator(): route every allocation of the library
    through Python callables taking and returning addresses (ints):
    ``alloc(size)``, ``realloc(address, size)``, ``free(address)``.
    Call with no arguments to restore malloc. Only allowed before the
    library has allocated anything (else :class:`MisuseError`); the hooks
    may run on library threads. Slow: meant for tests and accounting."""
    global _allocator_refs
    if alloc is None and realloc is None and free is None:
        rc = lib.custseg_set_allocator(None)
        if rc != 0:
            raise error_for(rc, "set_allocator: the library has already "
                            "allocated" if rc == -6 else "")
        _allocator_refs = None
        return
    if alloc is None or realloc is None or free is None:
        raise TypeError("set_allocator() needs alloc, realloc and free")
    hooks = (ALLOC_FN(lambda _p, size: alloc(size)),
             REALLOC_FN(lambda _p, ptr, size: realloc(ptr or 0, size)),
             FREE_FN(lambda _p, ptr: free(ptr) if ptr else None))
    table = Allocator(ALLOCATOR_VERSION, *hooks, None)
    rc = lib.custseg_set_allocator(ctypes.byref(table))
    if rc != 0:
        raise error_for(rc, "set_allocator: must be called before the "
                        "library allocates anything" if rc == -6 else "")
    _allocator_refs = (hooks, table)


__all__ = [
    "Dataset", "LoadReport", "Strategy", "Result", "Segment",
    "SegmentIterator", "MemberIterator", "Assignment", "Customer", "run",
    "register_strategy", "unregister_strategy", "parse_time",
    "parse_amount", "to_seconds", "to_e4", "from_e4", "version",
    "strerror", "set_allocator", "library_version", "library_path",
    "HAVE_CUSTOM_STRATEGIES", "ROLES", "REJECT_REASONS", "STATS", "FORMATS",
    "VARIABLES", "Error", "OutOfMemoryError", "InvalidArgumentError",
    "FileError", "ParseError", "NotFoundError", "MisuseError", "RangeError",
    "CanceledError", "NoDataError", "LimitError", "CallbackError",
]
