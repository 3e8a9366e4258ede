"""Strategies, running them, and custom strategies written in Python."""
from __future__ import annotations

import array
import ctypes
import datetime as _dt
import itertools
import os
import threading
from decimal import Decimal
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping,
                    NamedTuple, Optional, Tuple, Union)

from . import _convert as cv
from ._ffi import (ASSIGN_FN, DESTROY_FN, FIELDS, OPT_DOUBLE, OPT_INT,
                   OPT_STRING, STRATEGY_OPS_VERSION, StrategyOps, has, lib,
                   text)
from ._handle import Handle, ProgressFn
from .dataset import Dataset
from .errors import Error, MisuseError, error_for
from .result import Result

_OPT_TYPES = {OPT_INT: int, OPT_DOUBLE: float, OPT_STRING: str}

Range = Union[int, Tuple[int, int], range, None]


class Strategy(Handle):
    """A segmentation method ("rfm", "decile", or a registered custom
    strategy) with typed options, set as keyword arguments and checked
    at once: ``Strategy("rfm", bins=5, binning="quantile",
    as_of="2006-12-31")``. ``as_of`` also takes a date or datetime.

    ``segments`` (rfm) replaces the default segment map: a path or bytes
    of a segment CSV (header segment,r_min,r_max,f_min,f_max,m_min,m_max),
    or a mapping / sequence of (name, spec) where spec is a dict of
    ``r``, ``f``, ``m`` ranges or a list/str of score codes.
    """

    _kind = "strategy"

    def __init__(self, name: str, *, progress: Optional[ProgressFn] = None,
                 segments: Any = None, rules: Any = None,
                 rfm: Optional[Result] = None, **options: Any):
        out = ctypes.c_void_p()
        rc = lib.custseg_strategy_new(ctypes.byref(out),
                                      cv.encode(name, "strategy name"))
        if rc != 0:
            raise error_for(rc, f"no strategy named {name!r}"
                            if rc == -5 else "")
        self._own(out.value, lib.custseg_strategy_free)
        p = self._p
        self._types: Dict[str, type] = {}
        for i in range(lib.custseg_strategy_option_count(p)):
            self._types[text(lib.custseg_strategy_option_name(p, i))] = \
                _OPT_TYPES.get(lib.custseg_strategy_option_type(p, i), str)
        self._values: Dict[str, Any] = {}
        if options:
            self.set(**options)
        if segments is not None:
            self.add_segments(segments)
        if rules is not None:
            self.add_rules(rules)
        if rfm is not None:
            self.set_rfm(rfm)
        if progress is not None:
            self.progress = progress

    @property
    def name(self) -> str:
        """The strategy's name."""
        return text(lib.custseg_strategy_name(self._p))

    @property
    def errmsg(self) -> str:
        """The last error message on the strategy ("" when none)."""
        return text(lib.custseg_strategy_errmsg(self._p))

    def _errmsg(self) -> str:
        return self.errmsg

    @property
    def error_line(self) -> Optional[int]:
        """The line of the last error (rules, segment maps), or None."""
        if not has("custseg_strategy_error_line"):
            return None
        v = lib.custseg_strategy_error_line(self._p)
        return None if v < 0 else v

    @property
    def error_column(self) -> Optional[int]:
        """The column (bytes, 1-based) of the last error, or None."""
        if not has("custseg_strategy_error_column"):
            return None
        v = lib.custseg_strategy_error_column(self._p)
        return None if v < 0 else v

    def _error(self, rc: int) -> Error:
        return error_for(rc, self.errmsg, line=self.error_line,
                         column=self.error_column)

    # options --------------------------------------------------------
    @property
    def options(self) -> Dict[str, type]:
        """The options this strategy accepts and their types (from
        custseg_strategy_option_name/_type)."""
        return dict(self._types)

    @property
    def values(self) -> Dict[str, Any]:
        """The options set through this object, as given."""
        return dict(self._values)

    def set(self, **options: Any) -> "Strategy":
        """Set options through the setter of their declared type."""
        for name, value in options.items():
            self[name] = value
        return self

    def __setitem__(self, name: str, value: Any) -> None:
        key = cv.encode(name, "option name")
        kind = self._types.get(name)
        if kind is None:  # let the library name the problem
            kind = (float if isinstance(value, float) else
                    int if isinstance(value, int) else str)
        if kind is int:
            if isinstance(value, float) or not isinstance(
                    value, (int, bool)) and not hasattr(value, "__index__"):
                raise TypeError(f"option {name} takes an int, not "
                                f"{type(value).__name__}")
            self._call(lib.custseg_strategy_set_int, self._p, key,
                       int(value))
        elif kind is float:
            self._call(lib.custseg_strategy_set_double, self._p, key,
                       float(value))
        else:
            if isinstance(value, _dt.datetime):
                value = value.isoformat()
            elif isinstance(value, _dt.date):
                value = value.isoformat()
            elif not isinstance(value, str):
                raise TypeError(f"option {name} takes a string, not "
                                f"{type(value).__name__}")
            self._call(lib.custseg_strategy_set_string, self._p, key,
                       cv.encode(value, "option value"))
        self._values[name] = value

    def set_int(self, name: str, value: int) -> None:
        """custseg_strategy_set_int()."""
        self._call(lib.custseg_strategy_set_int, self._p,
                   cv.encode(name, "option name"), value)

    def set_double(self, name: str, value: float) -> None:
        """custseg_strategy_set_double()."""
        self._call(lib.custseg_strategy_set_double, self._p,
                   cv.encode(name, "option name"), value)

    def set_string(self, name: str, value: str) -> None:
        """custseg_strategy_set_string()."""
        self._call(lib.custseg_strategy_set_string, self._p,
                   cv.encode(name, "option name"),
                   cv.encode(value, "option value"))

    # segment maps (rfm) -----------------------------------------------
    def add_segment(self, name: str, r: Range = None, f: Range = None,
                    m: Range = None, *,
                    codes: Union[str, Iterable[Any], None] = None) \
            -> "Strategy":
        """Append a segment (first match wins). Either score ranges, each
        an int, an inclusive (min, max) pair, a range, or None for any
        score; or ``codes``: "555 554", or an iterable of codes such as
        "555", 555 or (5, 5, 5)."""
        nm = cv.encode(name, "segment name")
        if codes is not None:
            self._call(lib.custseg_strategy_add_segment_codes, self._p, nm,
                       cv.encode(_codes(codes), "codes"))
        else:
            self._call(lib.custseg_strategy_add_segment_range, self._p, nm,
                       *_bounds(r), *_bounds(f), *_bounds(m))
        return self

    def add_segments(self, segments: Any) -> "Strategy":
        """Append several segments (see the class documentation)."""
        if isinstance(segments, (str, os.PathLike)):
            return self.load_segments(segments)
        if isinstance(segments, (bytes, bytearray, memoryview)):
            return self.load_segments_buffer(segments)
        items = segments.items() if isinstance(segments, Mapping) \
            else segments
        for item in items:
            name, spec = item[0], item[1:] if len(item) > 2 else item[1]
            if isinstance(spec, Mapping):
                self.add_segment(name, **spec)
            elif isinstance(spec, tuple) and len(spec) == 3 and \
                    not all(isinstance(x, str) for x in spec):
                self.add_segment(name, *spec)
            else:
                self.add_segment(name, codes=spec)
        return self

    def load_segments(self, path: Union[str, "os.PathLike[str]"]) \
            -> "Strategy":
        """Append the segments of a segment map CSV file."""
        self._call(lib.custseg_strategy_load_segments, self._p,
                   cv.encode(os.fsencode(path), "path"))
        return self

    def load_segments_buffer(self, data: Union[bytes, str],
                             name: Optional[str] = None) -> "Strategy":
        """Append the segments of a segment map CSV held in memory."""
        buf = data.encode() if isinstance(data, str) else bytes(data)
        self._call(lib.custseg_strategy_load_segments_buffer, self._p,
                   cv.address(buf), len(buf),
                   None if name is None else cv.encode(name, "name"))
        return self

    # rules (prior) ----------------------------------------------------
    def add_rule(self, segment: str, expression: str) -> "Strategy":
        """prior: append a rule (custseg-rules(7)); the first rule a
        customer matches gives its segment. Syntax errors raise
        :class:`ParseError` with ``line`` and ``column``."""
        self._call(lib.custseg_strategy_add_rule, self._p,
                   cv.encode(segment, "segment name"),
                   cv.encode(expression, "rule"))
        return self

    def add_rules(self, rules: Any) -> "Strategy":
        """prior: append rules from a path, bytes of a rules file
        ("segment: expression" lines), a mapping of segment to
        expression, or (segment, expression) pairs."""
        if isinstance(rules, (str, os.PathLike)):
            return self.load_rules(rules)
        if isinstance(rules, (bytes, bytearray, memoryview)):
            return self.load_rules_buffer(rules)
        items = rules.items() if isinstance(rules, Mapping) else rules
        for segment, expression in items:
            self.add_rule(segment, expression)
        return self

    def load_rules(self, path: Union[str, "os.PathLike[str]"]) \
            -> "Strategy":
        """prior: append the rules of a file (all or none)."""
        self._call(lib.custseg_strategy_load_rules, self._p,
                   cv.encode(os.fsencode(path), "path"))
        return self

    def load_rules_buffer(self, data: Union[bytes, str],
                          name: Optional[str] = None) -> "Strategy":
        """prior: append the rules of a rules file held in memory."""
        buf = data.encode() if isinstance(data, str) else bytes(data)
        self._call(lib.custseg_strategy_load_rules_buffer, self._p,
                   cv.address(buf), len(buf),
                   None if name is None else cv.encode(name, "name"))
        return self

    def set_rfm(self, rfm: Optional[Result]) -> "Strategy":
        """prior: give the scores and segments of an rfm result to the
        rules (r_score, f_score, m_score, rfm_segment); None removes them.
        The result is copied."""
        self._call(lib.custseg_strategy_set_rfm, self._p,
                   None if rfm is None else rfm._p)
        return self

    def clear_segments(self) -> "Strategy":
        """Remove the caller's segments, restoring the default map."""
        lib.custseg_strategy_clear_segments(self._p)
        return self

    @property
    def progress(self) -> Optional[ProgressFn]:
        """A callable ``f(fraction)`` called during runs; a true return
        value cancels (:class:`CanceledError`), an exception cancels and
        propagates. With ``threads`` > 1 it may run on library threads."""
        return self._progress

    @progress.setter
    def progress(self, fn: Optional[ProgressFn]) -> None:
        self._set_progress(lib.custseg_strategy_set_progress, fn)

    # running --------------------------------------------------------
    def run(self, dataset: Dataset) -> Result:
        """Segment the customers of dataset (freezing it) and return the
        result, which owns its data and outlives dataset and strategy."""
        if not isinstance(dataset, Dataset):
            raise TypeError("run() needs a custseg.Dataset, not "
                            f"{type(dataset).__name__}")
        out = ctypes.c_void_p()
        _pending.exc = None
        try:
            self._call(lib.custseg_run, ctypes.byref(out), self._p,
                       dataset._p)
        except BaseException as err:
            exc, _pending.exc = _pending.exc, None
            if exc is not None and exc is not err:
                raise exc from err
            raise
        dataset.frozen = True
        return Result(out.value, self._values)

    def __repr__(self) -> str:
        if self.closed:
            return "<custseg.Strategy closed>"
        opts = "".join(f", {k}={v!r}" for k, v in self._values.items())
        return f"<custseg.Strategy {self.name!r}{opts}>"


def _bounds(r: Range) -> Tuple[int, int]:
    if r is None:
        return 1, 10
    if isinstance(r, range):
        return r.start, r.stop - 1
    if isinstance(r, int):
        return r, r
    lo, hi = r
    return int(lo), int(hi)


def _codes(codes: Union[str, Iterable[Any]]) -> str:
    if isinstance(codes, str):
        return codes
    out = []
    for c in codes:
        if isinstance(c, tuple):
            out.append("-".join(map(str, c)) if any(x > 9 for x in c)
                       else "".join(map(str, c)))
        else:
            out.append(str(c))
    return " ".join(out)


def run(strategy: Union[str, Strategy], dataset: Dataset, *,
        progress: Optional[ProgressFn] = None, segments: Any = None,
        **options: Any) -> Result:
    """Run a strategy (a name or a :class:`Strategy`) on dataset:
    ``custseg.run("rfm", ds, bins=5, binning="quantile",
    as_of="2006-12-31")``. Options given with a Strategy object are set on
    it."""
    if isinstance(strategy, Strategy):
        strategy.set(**options)
        if segments is not None:
            strategy.add_segments(segments)
        if progress is not None:
            strategy.progress = progress
        return strategy.run(dataset)
    with Strategy(strategy, progress=progress, segments=segments,
                  **options) as s:
        return s.run(dataset)


# ------------------------------------------------------ custom strategies

class Customer(NamedTuple):
    """One row handed to a custom strategy."""
    row: int
    id: str
    recency: int
    frequency: int
    monetary: Decimal


AssignFn = Callable[["Assignment"], Optional[Iterable[Any]]]

_registry: Dict[int, AssignFn] = {}
_ids = itertools.count(1)
_pending = threading.local()


class Assignment:
    """What a custom strategy's callable receives: the customers of one
    run (in byte order of id) and the means to give each a segment.

    Read: ``len(a)``, iteration and ``a[row]`` give :class:`Customer`
    rows; :attr:`ids`; :meth:`metric` gives a whole column (a list, or a
    numpy array with ``numpy=True``). Write: :meth:`define` a segment
    (segments appear in order of definition), :meth:`set` one row,
    :meth:`set_all` many at once, or return an iterable with one segment
    name (or index, or (segment, score) pair) per row. The score of a row
    defaults to its monetary value. Valid only during the call.
    """

    def __init__(self, ctx: int):
        self._ctx: Optional[int] = ctx
        self._n = lib.custseg_assign_customer_count(ctx)
        self._segments: Dict[str, int] = {}
        self._ids: Optional[List[str]] = None

    @property
    def _c(self) -> int:
        if self._ctx is None:
            raise MisuseError("the assignment is over: use it only during "
                              "the callback", -6)
        return self._ctx

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            raise error_for(rc, f"{what}: {text(lib.custseg_strerror(rc))}")

    def __len__(self) -> int:
        return self._n

    def customer_id(self, row: int) -> str:
        """The id of a row."""
        b = lib.custseg_assign_customer_id(self._c, row)
        if b is None:
            raise IndexError(f"row {row} out of range")
        return text(b)

    @property
    def ids(self) -> List[str]:
        """Every row's customer id."""
        if self._ids is None:
            c, f = self._c, lib.custseg_assign_customer_id
            self._ids = [text(f(c, i)) for i in range(self._n)]
        return self._ids

    def metric(self, name: str, *, numpy: bool = False) -> Any:
        """A metric of every row: "recency" (days), "frequency" (orders)
        or "monetary" (ten-thousandths of the currency unit), as a list
        of int or, with numpy=True, an int64 array (one C call)."""
        field = FIELDS.index(name) if name in FIELDS[:3] else -1
        if field < 0:
            raise ValueError(f"unknown metric {name!r}")
        if numpy:
            np = cv._numpy()
            out = np.empty(self._n, np.int64)
        else:
            out = array.array("q", bytes(8 * self._n))
        self._check(lib.custseg_assign_metric_range(
            cv.address(out), self._c, field, 0, self._n), "metric")
        return out if numpy else out.tolist()

    @property
    def recency(self) -> List[int]:
        return self.metric("recency")

    @property
    def frequency(self) -> List[int]:
        return self.metric("frequency")

    @property
    def monetary(self) -> List[Decimal]:
        """Monetary values in currency units, exact."""
        return [cv.from_e4(v) for v in self.metric("monetary")]

    def __getitem__(self, row: int) -> Customer:
        if row < 0:
            row += self._n
        if not 0 <= row < self._n:
            raise IndexError(f"row {row} out of range")
        v = ctypes.c_int64()
        vals = []
        for field in range(3):
            self._check(lib.custseg_assign_metric(ctypes.byref(v), self._c,
                                                  row, field), "metric")
            vals.append(v.value)
        return Customer(row, self.customer_id(row), vals[0], vals[1],
                        cv.from_e4(vals[2]))

    def __iter__(self) -> Iterator[Customer]:
        ids, rec, freq = self.ids, self.recency, self.frequency
        mon = self.metric("monetary")
        for i in range(self._n):
            yield Customer(i, ids[i], rec[i], freq[i], cv.from_e4(mon[i]))

    def attribute(self, name: str, row: Optional[int] = None) -> Any:
        """A customer attribute of one row (None when the customer has no
        value), or with row None of every row, as a list."""
        if row is None:
            return [self.attribute(name, i) for i in range(self._n)]
        key = cv.encode(name, "attribute name")
        num = ctypes.c_double()
        rc = lib.custseg_assign_attribute_number(ctypes.byref(num), self._c,
                                                 row, key)
        if rc == 0:
            return None if num.value != num.value else num.value
        if rc == -2:  # a string attribute
            out = ctypes.c_char_p()
            rc = lib.custseg_assign_attribute_string(ctypes.byref(out),
                                                     self._c, row, key)
            if rc == 0:
                return None if out.value is None else text(out.value)
        self._check(rc, f"attribute {name!r} of row {row}")

    def define(self, name: str) -> int:
        """Define a segment (again: the same index) and return its index."""
        idx = self._segments.get(name)
        if idx is None:
            out = ctypes.c_size_t()
            self._check(lib.custseg_assign_define_segment(
                ctypes.byref(out), self._c, cv.encode(name, "segment name")),
                f"segment {name!r}")
            idx = self._segments[name] = out.value
        return idx

    def _index(self, segment: Any) -> int:
        return self.define(segment) if isinstance(segment, str) \
            else int(segment)

    def set(self, row: int, segment: Union[str, int],
            score: Optional[float] = None) -> None:
        """Put a row in a segment (a name, defined when new, or an index)
        with a score for the statistics (None: monetary)."""
        self._check(lib.custseg_assign_set(
            self._c, row, self._index(segment),
            float("nan") if score is None else float(score)),
            f"row {row}")

    def set_all(self, segments: Iterable[Any],
                scores: Optional[Iterable[Optional[float]]] = None,
                first: int = 0) -> None:
        """Set rows first, first+1, ... at once: segments holds names,
        indexes, or (segment, score) pairs; scores (optional) one score
        per row. numpy arrays go straight to custseg_assign_set_range()."""
        if cv.is_array_like(segments):
            seg, sc = self._np_segments(segments), None
        else:
            seg_list = cv.as_list(segments)
            if seg_list and isinstance(seg_list[0], tuple):
                seg_list, pairs = [s for s, _ in seg_list], seg_list
                if scores is None:
                    scores = [s for _, s in pairs]
            seg = array.array("I", map(self._index, seg_list))
            sc = None
        if scores is not None:
            if cv.is_array_like(scores):
                np = cv._numpy()
                sc = np.ascontiguousarray(cv._to_numpy(scores),
                                          dtype=np.float64)
            else:
                sc = array.array("d", (float("nan") if s is None
                                       else float(s) for s in scores))
            if len(sc) != len(seg):
                raise ValueError(f"{len(seg)} segments but {len(sc)} scores")
        self._check(lib.custseg_assign_set_range(
            self._c, first, len(seg), cv.address(seg), cv.address(sc)),
            f"rows {first}..{first + len(seg) - 1}")

    def _np_segments(self, segments: Any) -> Any:
        np = cv._numpy()
        a = cv._to_numpy(segments)
        if a.dtype.kind in "iu":
            if len(a) and (a.min() < 0 or a.max() > 0xFFFFFFFF):
                raise ValueError("segment index out of range")
            return np.ascontiguousarray(a, dtype=np.uint32)
        # Names: defined in order of first appearance, mapped vectorially.
        uniq, first, inverse = np.unique(a, return_index=True,
                                         return_inverse=True)
        order = np.argsort(first)
        index = np.empty(len(uniq), np.uint32)
        for k in order:
            index[k] = self.define(str(uniq[k]))
        return np.ascontiguousarray(index[inverse])

    def error(self, message: str) -> None:
        """Make the run fail with :class:`CallbackError` and message."""
        lib.custseg_assign_error(self._c, message.encode("utf-8",
                                                         "replace")[:511])


def _assign(ctx: int, payload: int) -> int:
    a = Assignment(ctx)
    try:
        fn = _registry[payload]
        ret = fn(a)
        if ret is not None:
            if isinstance(ret, (str, bytes)) or not hasattr(ret, "__iter__"):
                raise TypeError("a custom strategy returns None or one "
                                "segment per row, not "
                                f"{type(ret).__name__}")
            a.set_all(ret)
        return 0
    except BaseException as e:  # noqa: B902 - raised again by run()
        _pending.exc = e
        msg = f"{type(e).__name__}: {e}".replace("\0", " ")
        lib.custseg_assign_error(ctx, msg.encode("utf-8", "replace")[:511])
        return 1
    finally:
        a._ctx = None


def _destroy(payload: int) -> None:
    _registry.pop(payload, None)


_ASSIGN_C = ASSIGN_FN(_assign)
_DESTROY_C = DESTROY_FN(_destroy)


def register_strategy(name: str, assign: Optional[AssignFn] = None, *,
                      replace: bool = False) -> Any:
    """Register a Python callable as a custom strategy named name, usable
    as ``Strategy(name)`` / ``run(name, ds)`` like a built-in one (options
    "as_of" and "threads"). The callable takes an :class:`Assignment`
    and gives every row a segment (see there). An exception it raises
    fails the run and propagates from :meth:`Strategy.run`.

    Usable as a decorator: ``@custseg.register_strategy("big")``.
    replace=True first unregisters an existing registration of name.
    """
    if not has("custseg_register_strategy"):
        raise NotImplementedError("this libcustseg has no custom strategies")
    if assign is None:
        return lambda fn: register_strategy(name, fn, replace=replace)
    if not callable(assign):
        raise TypeError("assign must be callable")
    if replace:
        try:
            unregister_strategy(name)
        except LookupError:
            pass
    key = next(_ids)
    _registry[key] = assign
    ops = StrategyOps(STRATEGY_OPS_VERSION, cv.encode(name, "name"),
                      _ASSIGN_C, _DESTROY_C, key)
    rc = lib.custseg_register_strategy(ctypes.byref(ops))
    if rc != 0:
        del _registry[key]
        why = {-6: "the name is built in or already registered",
               -2: "names are 1 to 31 characters of A-Z a-z 0-9 _ . -"}
        raise error_for(rc, f"cannot register strategy {name!r}: "
                        f"{why.get(rc, text(lib.custseg_strerror(rc)))}")
    return assign


def unregister_strategy(name: str) -> None:
    """Remove a registered custom strategy; strategies already created
    from it keep working. Raises :class:`NotFoundError` when unknown."""
    if not has("custseg_unregister_strategy"):
        raise NotImplementedError("this libcustseg has no custom strategies")
    rc = lib.custseg_unregister_strategy(cv.encode(name, "name"))
    if rc != 0:
        raise error_for(rc, f"no custom strategy named {name!r}"
                        if rc == -5 else "")


__all__ = ["Strategy", "run", "register_strategy", "unregister_strategy",
           "Assignment", "Customer"]
