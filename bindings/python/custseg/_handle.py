"""The base of the handle classes: ownership, closing and errors."""
from __future__ import annotations

import ctypes
import weakref
from typing import Any, Callable, Optional

from . import _ffi
from ._ffi import EMISUSE, PROGRESS_FN, lib, text
from .errors import Error, error_for

ProgressFn = Callable[[float], Any]


class Handle:
    """Owns one C handle. It is freed by :meth:`close`, by ``with``, or
    by a finalizer when the object is garbage collected (and at exit), so
    forgetting to close leaks nothing. Closing twice is allowed; using a
    closed handle raises :class:`MisuseError`."""

    _kind = "handle"
    _ptr: Optional[int] = None
    _finalizer: Optional[weakref.finalize] = None

    def _own(self, ptr: Optional[int], free: Callable[[int], None]) -> None:
        self._ptr = ptr
        self._finalizer = weakref.finalize(self, free, ptr)
        self._cb_exc: Optional[BaseException] = None
        self._progress: Optional[ProgressFn] = None
        self._progress_c: Any = None

    @property
    def _p(self) -> int:
        if self._ptr is None:
            raise error_for(EMISUSE, f"the {self._kind} is closed")
        return self._ptr

    @property
    def closed(self) -> bool:
        """Whether the handle has been closed."""
        return self._ptr is None

    def close(self) -> None:
        """Free the C handle now (it is freed on collection otherwise)."""
        if self._finalizer is not None:
            self._finalizer()
        self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # errors ---------------------------------------------------------
    def _errmsg(self) -> str:
        return ""

    def _error(self, rc: int) -> Error:
        return error_for(rc, self._errmsg())

    def _call(self, func: Callable[..., int], *args: Any) -> int:
        """Call func; a negative status raises. An exception raised by a
        Python callback during the call is raised again as it was."""
        self._cb_exc = None
        rc = func(*args)
        if rc < 0:
            exc, self._cb_exc = self._cb_exc, None
            err = self._error(rc)
            if exc is not None:
                raise exc from err
            raise err
        return rc

    # progress -------------------------------------------------------
    def _set_progress(self, setter: Callable[..., None],
                      fn: Optional[ProgressFn]) -> None:
        if fn is None:
            setter(self._p, None, None)
            self._progress = self._progress_c = None
            return
        if not callable(fn):
            raise TypeError("progress must be callable or None")
        ref = weakref.ref(self)

        def trampoline(fraction: float, payload: Any) -> int:
            me = ref()
            try:
                return 1 if fn(fraction) else 0
            except BaseException as e:  # noqa: B902 - re-raised later
                if me is not None:
                    me._cb_exc = e
                return 1

        c_fn = PROGRESS_FN(trampoline)
        setter(self._p, ctypes.cast(c_fn, ctypes.c_void_p), None)
        self._progress, self._progress_c = fn, c_fn


def string(b: Optional[bytes]) -> str:
    return text(b)


__all__ = ["Handle", "string", "lib", "_ffi"]
