"""Results: segments with statistics, customer rows, thresholds, exports."""
from __future__ import annotations

import collections
import csv
import ctypes
import io
import math
import os
import weakref
from decimal import Decimal
from typing import (Any, Dict, Iterator, List, Mapping, Optional, Tuple,
                    Union)

from . import _convert as cv
from ._ffi import (FIELD_MONETARY, FIELD_VALUE, FIELDS, FORMATS, ITEROVER,
                   STATS, WRITE_FN, lib, text)
from ._handle import Handle
from .errors import MisuseError, error_for

#: Variables of :meth:`Result.threshold`.
VARIABLES = ("recency", "frequency", "monetary")

Destination = Union[None, str, "os.PathLike[str]", Any]


class Segment:
    """One segment of a result (borrowed: it keeps its result alive).

    ``name``, ``index``, ``count`` (customers, also ``len(seg)``),
    ``revenue`` (exact Decimal), ``share``, ``revenue_share`` and every
    statistic in :attr:`stats`; :meth:`members` iterates its customer
    ids, :meth:`rows` its customer rows.
    """
    __slots__ = ("_result", "_seg")

    def __init__(self, result: "Result", seg: int):
        self._result = result
        self._seg = seg

    @property
    def _s(self) -> int:
        self._result._p  # raises when the result is closed
        return self._seg

    @property
    def name(self) -> str:
        return text(lib.custseg_segment_name(self._s))

    @property
    def index(self) -> int:
        return lib.custseg_segment_index(self._s)

    @property
    def count(self) -> int:
        return lib.custseg_segment_count(self._s)

    def __len__(self) -> int:
        return self.count

    @property
    def revenue(self) -> Decimal:
        """Sum of the members' monetary values, exact."""
        return cv.from_e4(lib.custseg_segment_revenue(self._s))

    def stat(self, name: Union[str, int]) -> float:
        """One statistic by name (see :data:`custseg.STATS`) or number."""
        i = STATS.index(name) if isinstance(name, str) else name
        return lib.custseg_segment_stat(self._s, i)

    @property
    def share(self) -> float:
        return self.stat("share")

    @property
    def revenue_share(self) -> float:
        return self.stat("revenue_share")

    @property
    def stats(self) -> Dict[str, float]:
        """Every statistic: count, share, revenue (currency units),
        revenue_share, score_mean, score_sd, score_min, score_max,
        cum_revenue_share, lift, cum_lift."""
        s = self._s
        return {k: lib.custseg_segment_stat(s, i)
                for i, k in enumerate(STATS)}

    def member_rows(self) -> "MemberIterator":
        """The result rows of the members (custseg_member_iter)."""
        return MemberIterator(self._result, self._s)

    def members(self) -> Iterator[str]:
        """The members' customer ids, in byte order."""
        r = self._result
        return (r.customer_id(i) for i in self.member_rows())

    def rows(self) -> Iterator[Any]:
        """The members' customer rows (see :meth:`Result.rows`)."""
        r = self._result
        return (r.row(i) for i in self.member_rows())

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Segment) and other._seg == self._seg

    def __hash__(self) -> int:
        return hash(self._seg)

    def __repr__(self) -> str:
        return (f"<custseg.Segment {self.name!r} count={self.count} "
                f"share={self.share:.4f} revenue={self.revenue}>")


class _CIter:
    """A C iterator, freed before its result is."""

    def __init__(self, result: "Result", ptr: int, free: Any):
        self._result = result
        self._ptr: Optional[int] = ptr
        self._fin = weakref.finalize(self, free, ptr)
        result._iters.add(self)

    @property
    def _p(self) -> int:
        self._result._p
        if self._ptr is None:
            raise MisuseError("the iterator is closed", -6)
        return self._ptr

    def close(self) -> None:
        self._fin()
        self._ptr = None

    def __iter__(self):
        return self


class SegmentIterator(_CIter):
    """The segments of a result in order (custseg_iter); :meth:`reset`
    starts again."""

    def __init__(self, result: "Result"):
        out = ctypes.c_void_p()
        rc = lib.custseg_result_iter_new(ctypes.byref(out), result._p)
        if rc != 0:
            raise error_for(rc)
        super().__init__(result, out.value, lib.custseg_iter_free)

    def __next__(self) -> Segment:
        seg = ctypes.c_void_p()
        rc = lib.custseg_iter_next(ctypes.byref(seg), self._p)
        if rc == ITEROVER:
            raise StopIteration
        if rc != 0:
            raise error_for(rc)
        return Segment(self._result, seg.value)

    def reset(self) -> None:
        lib.custseg_iter_reset(self._p)


class MemberIterator(_CIter):
    """The result rows of one segment's members (custseg_member_iter)."""

    def __init__(self, result: "Result", seg: int):
        out = ctypes.c_void_p()
        rc = lib.custseg_member_iter_new(ctypes.byref(out), result._p, seg)
        if rc != 0:
            raise error_for(rc)
        super().__init__(result, out.value, lib.custseg_member_iter_free)
        self._row = ctypes.c_size_t()

    def __next__(self) -> int:
        rc = lib.custseg_member_iter_next(ctypes.byref(self._row), self._p)
        if rc == ITEROVER:
            raise StopIteration
        if rc != 0:
            raise error_for(rc)
        return self._row.value


class Result(Handle):
    """What a run produced. It owns copies of everything and outlives the
    dataset and strategy.

    Segments: ``len(result)``, iteration, ``result[i]`` or
    ``result["Champions"]``. Customers: :meth:`rows` (named tuples with
    ``customer``, ``segment``, the result's fields, ``score``),
    :meth:`find`, ``"id" in result``. :attr:`thresholds`. Exports:
    :meth:`to_csv`, :meth:`to_json`, :meth:`to_table`,
    :meth:`to_segments_csv`, :meth:`write`, :meth:`to_pandas`.
    """

    _kind = "result"

    def __init__(self, ptr: int, options: Optional[Mapping[str, Any]] = None):
        self._iters: "weakref.WeakSet[_CIter]" = weakref.WeakSet()
        self._own(ptr, lib.custseg_result_free)
        self.options: Dict[str, Any] = dict(options or {})
        self._row_type: Any = None
        self._fields: Optional[Tuple[int, ...]] = None
        self._names: Optional[List[str]] = None

    def close(self) -> None:
        for it in list(self._iters):
            it.close()
        super().close()

    @property
    def errmsg(self) -> str:
        return text(lib.custseg_result_errmsg(self._p))

    def _errmsg(self) -> str:
        return self.errmsg

    @property
    def strategy(self) -> str:
        """The name of the strategy that made the result."""
        return text(lib.custseg_result_strategy(self._p))

    # segments ---------------------------------------------------------
    def __len__(self) -> int:
        return lib.custseg_result_segment_count(self._p)

    def __iter__(self) -> SegmentIterator:
        return SegmentIterator(self)

    def segment_at(self, i: int) -> Segment:
        out = ctypes.c_void_p()
        rc = lib.custseg_result_segment_at(ctypes.byref(out), self._p, i)
        if rc != 0:
            raise IndexError(f"segment {i} out of range")
        return Segment(self, out.value)

    def __getitem__(self, key: Union[int, str]) -> Segment:
        if isinstance(key, str):
            try:
                return self.segment_at(self.segment_names.index(key))
            except ValueError:
                raise KeyError(key) from None
        n = len(self)
        if key < 0:
            key += n
        return self.segment_at(key)

    @property
    def segments(self) -> List[Segment]:
        return list(self)

    @property
    def segment_names(self) -> List[str]:
        if self._names is None:
            self._names = [s.name for s in self]
        return list(self._names)

    # customers --------------------------------------------------------
    @property
    def customers(self) -> int:
        """Number of customers (rows)."""
        return lib.custseg_result_customer_count(self._p)

    def customer_id(self, row: int) -> str:
        b = lib.custseg_result_customer_id(self._p, row)
        if b is None:
            raise IndexError(f"row {row} out of range")
        return text(b)

    @property
    def fields(self) -> Tuple[str, ...]:
        """The per-customer fields this result has (rfm: recency,
        frequency, monetary, r, f, m; decile: decile, value; ...)."""
        return tuple(FIELDS[f] for f in self._present())

    def _present(self) -> Tuple[int, ...]:
        if self._fields is None:
            p, v = self._p, ctypes.c_int64()
            self._fields = tuple(
                f for f in range(len(FIELDS)) if self.customers and
                lib.custseg_result_customer_field(ctypes.byref(v), p, 0,
                                                  f) == 0)
        return self._fields

    def _money(self) -> Tuple[bool, ...]:
        money = []
        for f in self._present():
            money.append(f == FIELD_MONETARY or
                         (f == FIELD_VALUE and self._value_is_money()))
        return tuple(money)

    def _value_is_money(self) -> bool:
        """Whether the ranked value is money (decile by monetary or aov) or
        a count: the header has no API, so read it off the first CSV row
        of an export stopped after that row (money always has decimals)."""
        chunks: List[bytes] = []

        def take(data: int, n: int, payload: Any) -> int:
            chunks.append(ctypes.string_at(data, n))
            rows = list(csv.reader(io.StringIO(
                b"".join(chunks).decode("utf-8", "replace"))))
            return 1 if len(rows) >= 3 else 0

        lib.custseg_result_write(self._p, FORMATS["csv"], 4, WRITE_FN(take),
                                 None)
        rows = list(csv.reader(io.StringIO(
            b"".join(chunks).decode("utf-8", "replace"))))
        if len(rows) < 2 or "value" not in rows[0]:
            return False
        return "." in rows[1][rows[0].index("value")]

    @property
    def row_type(self) -> Any:
        """The named tuple type of :meth:`rows`."""
        if self._row_type is None:
            self._row_type = collections.namedtuple(
                "Row", ("customer", "segment") + self.fields + ("score",))
        return self._row_type

    def row(self, i: int) -> Any:
        """Customer row i (0 .. customers-1, in byte order of id)."""
        p = self._p
        if not 0 <= i < self.customers:
            raise IndexError(f"row {i} out of range")
        names = self._names or self.segment_names
        v = ctypes.c_int64()
        vals: List[Any] = [self.customer_id(i),
                           names[lib.custseg_result_customer_segment(p, i)]]
        for f, money in zip(self._present(), self._money()):
            lib.custseg_result_customer_field(ctypes.byref(v), p, i, f)
            vals.append(cv.from_e4(v.value) if money else v.value)
        vals.append(lib.custseg_result_customer_score(p, i))
        return self.row_type._make(vals)

    def rows(self) -> Iterator[Any]:
        """Every customer row, in byte order of id."""
        for i in range(self.customers):
            yield self.row(i)

    def find(self, customer: str) -> Optional[Any]:
        """The row of a customer, or None when absent."""
        i = self.index_of(customer)
        return None if i is None else self.row(i)

    def index_of(self, customer: str) -> Optional[int]:
        """The row number of a customer, or None."""
        out = ctypes.c_size_t()
        rc = lib.custseg_result_find(ctypes.byref(out), self._p,
                                     cv.encode(str(customer), "customer"))
        return out.value if rc == 0 else None

    def __contains__(self, customer: object) -> bool:
        return isinstance(customer, str) and \
            self.index_of(customer) is not None

    # thresholds -------------------------------------------------------
    @property
    def bins(self) -> int:
        """Number of score bins (0 when the result has none)."""
        return lib.custseg_result_bins(self._p)

    def threshold(self, variable: str, score: int) \
            -> Tuple[Optional[float], Optional[float]]:
        """(lower, upper) of a score of "recency", "frequency" or
        "monetary" (see custseg_result_threshold(); None for NaN)."""
        lo, hi = ctypes.c_double(), ctypes.c_double()
        rc = lib.custseg_result_threshold(ctypes.byref(lo), ctypes.byref(hi),
                                          self._p, VARIABLES.index(variable),
                                          score)
        if rc != 0:
            raise error_for(rc, f"no threshold for {variable} score {score}")
        return (None if math.isnan(lo.value) else lo.value,
                None if math.isnan(hi.value) else hi.value)

    @property
    def thresholds(self) -> Dict[str, List[Tuple[Optional[float],
                                                  Optional[float]]]]:
        """{variable: [(lower, upper) for scores 1..bins]}; {} without
        bins."""
        n = self.bins
        if n <= 0:
            return {}
        return {v: [self.threshold(v, s) for s in range(1, n + 1)]
                for v in VARIABLES}

    # exports ----------------------------------------------------------
    def write(self, format: Union[str, int] = "csv",
              dest: Destination = None, decimals: int = 2) -> Optional[str]:
        """Export as "csv", "json", "table" or "segments_csv" (custseg(1)
        schemas). dest None returns the text; a path is written by the
        library; a file object (text or binary) is written to in chunks."""
        fmt = FORMATS[format] if isinstance(format, str) else format
        if dest is not None and isinstance(dest, (str, os.PathLike)):
            self._call(lib.custseg_result_write_file, self._p, fmt, decimals,
                       cv.encode(os.fsencode(dest), "path"))
            return None
        chunks: List[bytes] = []
        binary = dest is not None and not isinstance(dest, io.TextIOBase) \
            and "b" in getattr(dest, "mode", "b")
        me = weakref.ref(self)

        def sink(data: int, n: int, payload: Any) -> int:
            try:
                b = ctypes.string_at(data, n)
                if dest is None:
                    chunks.append(b)
                else:
                    dest.write(b if binary else b.decode("utf-8"))
                return 0
            except BaseException as e:  # noqa: B902 - re-raised by _call
                r = me()
                if r is not None:
                    r._cb_exc = e
                return 1

        self._call(lib.custseg_result_write, self._p, fmt, decimals,
                   WRITE_FN(sink), None)
        return b"".join(chunks).decode("utf-8") if dest is None else None

    def to_csv(self, dest: Destination = None, decimals: int = 2) \
            -> Optional[str]:
        """One row per customer (see :meth:`write`)."""
        return self.write("csv", dest, decimals)

    def to_json(self, dest: Destination = None, decimals: int = 2) \
            -> Optional[str]:
        """Segments, thresholds and customers as JSON (see :meth:`write`)."""
        return self.write("json", dest, decimals)

    def to_table(self, dest: Destination = None, decimals: int = 2) \
            -> Optional[str]:
        """The readable segment statistics table."""
        return self.write("table", dest, decimals)

    def to_segments_csv(self, dest: Destination = None,
                        decimals: int = 2) -> Optional[str]:
        """One row per segment."""
        return self.write("segments_csv", dest, decimals)

    def to_pandas(self, segments: bool = False) -> Any:
        """A pandas DataFrame of the customers (the CSV export's columns,
        money as float in currency units), or with segments=True of the
        segments. Built from one export, parsed by pandas."""
        import pandas as pd
        chunks: List[bytes] = []

        def sink(data: int, n: int, payload: Any) -> int:
            chunks.append(ctypes.string_at(data, n))
            return 0

        fmt = FORMATS["segments_csv" if segments else "csv"]
        self._call(lib.custseg_result_write, self._p, fmt, 4, WRITE_FN(sink),
                   None)
        return pd.read_csv(io.BytesIO(b"".join(chunks)),
                           dtype={"customer_id": str, "segment": str},
                           keep_default_na=False, na_values=[""])

    def __repr__(self) -> str:
        if self.closed:
            return "<custseg.Result closed>"
        return (f"<custseg.Result {self.strategy!r} {len(self)} segments, "
                f"{self.customers} customers>")


__all__ = ["Result", "Segment", "SegmentIterator", "MemberIterator",
           "VARIABLES"]
