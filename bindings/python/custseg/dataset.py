"""Datasets: customers and their transactions (or customer summaries)."""
from __future__ import annotations

import ctypes
import numbers
import os
from typing import (Any, Dict, Iterable, List, Mapping, NamedTuple, Optional,
                    Tuple, Union)

from . import _convert as cv
from ._ffi import lib, text
from ._handle import Handle, ProgressFn
from .errors import Error, error_for

PathLike = Union[str, "os.PathLike[str]"]

#: The column roles of custseg_dataset_map_column().
ROLES = ("customer", "order", "time", "amount", "quantity", "price",
         "category", "recency", "frequency", "monetary")


def _reject_reasons() -> Tuple[str, ...]:
    # As many as this library has: names until the one for unknown codes.
    unknown = lib.custseg_reject_reason_name(-1)
    names = []
    for i in range(256):
        name = lib.custseg_reject_reason_name(i)
        if name == unknown:
            break
        names.append(text(name))
    return tuple(names)


#: Reject reason names, by reason number ("missing customer", ...).
REJECT_REASONS = _reject_reasons()


class LoadReport(NamedTuple):
    """What the last load did: every data row is accepted or rejected for
    one reason. ``rejected`` maps each reason name to a count and
    ``lines`` to the input lines of its first rows (at most 5)."""
    read: int
    accepted: int
    rejected: Dict[str, int]
    lines: Dict[str, List[int]]

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())

    def __str__(self) -> str:
        s = f"{self.read} rows read, {self.accepted} accepted"
        parts = [f"{k}: {v} (lines {', '.join(map(str, self.lines[k]))})"
                 for k, v in self.rejected.items() if v]
        return s + (", rejected " + "; ".join(parts) if parts else "")


class Dataset(Handle):
    """Customers and their transactions, filled then frozen.

    Fill it from CSV (:meth:`load_csv`), from columns (:meth:`add_columns`,
    :meth:`add_frame`: one bulk C call, numpy/pandas columns converted
    without per-row Python loops), from rows (:meth:`add`,
    :meth:`add_rows`), or with pre-aggregated customers
    (:meth:`add_customer`). Loading options are keyword arguments:
    ``header`` (bool), ``delimiter`` (str, or "whitespace"),
    ``drop_returns`` (bool), ``threads`` (int).

    >>> with Dataset() as ds:
    ...     ds.add("alice", "A1", "2024-01-05", "49.99")
    ...     result = run("rfm", ds)
    """

    _kind = "dataset"

    def __init__(self, *, progress: Optional[ProgressFn] = None,
                 **options: Any):
        out = ctypes.c_void_p()
        rc = lib.custseg_dataset_new(ctypes.byref(out))
        if rc != 0:
            raise error_for(rc)
        self._own(out.value, lib.custseg_dataset_free)
        self.frozen = False
        if options:
            self.set(**options)
        if progress is not None:
            self.progress = progress

    # constructors -----------------------------------------------------
    @classmethod
    def from_csv(cls, source: Any, *, columns: Optional[Mapping[str, Any]]
                 = None, **options: Any) -> "Dataset":
        """A dataset loaded from a CSV path, bytes or file object, with
        ``columns`` mapping roles to column names (or 1-based positions
        when ``header=False``)."""
        ds = cls(**options)
        try:
            if columns:
                ds.map(columns)
            ds.load_csv(source)
        except BaseException:
            ds.close()
            raise
        return ds

    @classmethod
    def from_rows(cls, rows: Iterable[Any], **options: Any) -> "Dataset":
        """A dataset of transactions from any iterable of rows (see
        :meth:`add_rows`)."""
        ds = cls(**options)
        try:
            ds.add_rows(rows)
        except BaseException:
            ds.close()
            raise
        return ds

    @classmethod
    def from_frame(cls, frame: Any, **columns: Any) -> "Dataset":
        """A dataset from a pandas DataFrame (see :meth:`add_frame`)."""
        ds = cls()
        try:
            ds.add_frame(frame, **columns)
        except BaseException:
            ds.close()
            raise
        return ds

    # errors -----------------------------------------------------------
    @property
    def errmsg(self) -> str:
        """The last error message on the dataset ("" when none)."""
        return text(lib.custseg_dataset_errmsg(self._p))

    @property
    def error_line(self) -> Optional[int]:
        """The input line of the last error, or None."""
        v = lib.custseg_dataset_error_line(self._p)
        return None if v < 0 else v

    @property
    def error_column(self) -> Optional[int]:
        """The 1-based field of the last error, or None."""
        v = lib.custseg_dataset_error_column(self._p)
        return None if v < 0 else v

    def _errmsg(self) -> str:
        return self.errmsg

    def _error(self, rc: int) -> Error:
        return error_for(rc, self.errmsg, line=self.error_line,
                         column=self.error_column)

    # options and mapping ----------------------------------------------
    def set(self, **options: Any) -> "Dataset":
        """Set loading options: ints and bools with custseg_dataset_set_int,
        strings with custseg_dataset_set_string. Unknown names raise
        :class:`NotFoundError`."""
        for name, value in options.items():
            key = cv.encode(name, "option name")
            if isinstance(value, (bool, int)):
                self._call(lib.custseg_dataset_set_int, self._p, key,
                           int(value))
            elif isinstance(value, str):
                self._call(lib.custseg_dataset_set_string, self._p, key,
                           cv.encode(value, "option value"))
            else:
                raise TypeError(f"option {name}: expected int, bool or str, "
                                f"not {type(value).__name__}")
        return self

    def map(self, columns: Optional[Mapping[str, Any]] = None,
            **roles: Any) -> "Dataset":
        """Map roles (customer, order, time, amount, quantity, price,
        category; recency, frequency, monetary for summaries) to CSV
        columns by header name, or by 1-based position (an int) when
        ``header=False``. None removes a mapping."""
        items = dict(columns or {}, **roles)
        for role, column in items.items():
            col = None if column is None else cv.encode(str(column),
                                                        "column name")
            self._call(lib.custseg_dataset_map_column, self._p,
                       cv.encode(role, "role"), col)
        return self

    @property
    def progress(self) -> Optional[ProgressFn]:
        """A callable ``f(fraction)`` called during loads; returning a true
        value cancels (:class:`CanceledError`), raising cancels and the
        exception propagates. None removes it."""
        return self._progress

    @progress.setter
    def progress(self, fn: Optional[ProgressFn]) -> None:
        self._set_progress(lib.custseg_dataset_set_progress, fn)

    # CSV --------------------------------------------------------------
    def load_csv(self, source: Any, *, name: Optional[str] = None) \
            -> LoadReport:
        """Load CSV from a path (str or path-like), from bytes holding the
        CSV text, or from a file object (read whole). Bad rows are counted
        in the returned :attr:`report`; a bad header raises
        :class:`ParseError`, a missing file :class:`FileError`."""
        if isinstance(source, (str, os.PathLike)):
            self._call(lib.custseg_dataset_load_csv, self._p,
                       cv.encode(os.fsencode(source), "path"))
            return self.report
        if hasattr(source, "read"):
            name = name or getattr(source, "name", None)
            source = source.read()
        return self.load_csv_buffer(source, name=name)

    def load_csv_buffer(self, data: Union[bytes, bytearray, memoryview,
                                          str],
                        name: Optional[str] = None) -> LoadReport:
        """Load CSV text held in memory; name is used in messages."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        buf = bytes(data)
        self._call(lib.custseg_dataset_load_csv_buffer, self._p,
                   cv.address(buf), len(buf),
                   None if name is None else cv.encode(str(name), "name"))
        return self.report

    @property
    def report(self) -> LoadReport:
        """The load report of the last load."""
        p = self._p
        rejected, lines = {}, {}
        for i, reason in enumerate(REJECT_REASONS):
            rejected[reason] = lib.custseg_dataset_rows_rejected(p, i)
            ls = (lib.custseg_dataset_reject_line(p, i, k) for k in range(5))
            lines[reason] = [x for x in ls if x >= 0]
        return LoadReport(lib.custseg_dataset_rows_read(p),
                          lib.custseg_dataset_rows_accepted(p), rejected,
                          lines)

    # rows ---------------------------------------------------------------
    def add(self, customer: str, order: Optional[str], time: Any,
            amount: Any, category: Optional[str] = None) -> "Dataset":
        """Add one transaction. time: int Unix seconds, datetime, date or
        text; amount: Decimal, int, float or text (see :func:`to_e4`);
        order None makes the row an order of its own."""
        self._call(lib.custseg_dataset_add_transaction, self._p,
                   cv.encode(str(customer), "customer id"),
                   cv.optional(order, "order id"), cv.to_seconds(time),
                   cv.to_e4(amount), cv.optional(category, "category"))
        return self

    def add_rows(self, rows: Iterable[Any]) -> "Dataset":
        """Add transactions from any iterable of rows: tuples
        ``(customer, order, time, amount[, category])`` or mappings with
        those keys (order and category optional). Rows without category
        and with all or no order ids go in one bulk call (all or none
        are added); otherwise one call per row."""
        cust: List[Any] = []
        order: List[Any] = []
        times: List[Any] = []
        amounts: List[Any] = []
        cats: List[Any] = []
        for row in rows:
            if isinstance(row, Mapping):
                cust.append(row["customer"])
                order.append(row.get("order"))
                times.append(row["time"])
                amounts.append(row["amount"])
                cats.append(row.get("category"))
            else:
                c, o, t, a, *rest = row
                cust.append(c)
                order.append(o)
                times.append(t)
                amounts.append(a)
                cats.append(rest[0] if rest else None)
        if not cust:
            return self
        no_order = all(o is None for o in order)
        if all(c is None for c in cats) and (
                no_order or all(o is not None for o in order)):
            return self.add_columns(cust, None if no_order else order,
                                    times, amounts)
        for row in zip(cust, order, times, amounts, cats):
            self.add(*row)
        return self

    def add_columns(self, customer: Any, order: Any = None, time: Any = None,
                    amount: Any = None, *, amount_fixed: Any = None) \
            -> "Dataset":
        """Add n transactions in one bulk call, column by column.

        Columns are lists, iterables, numpy arrays or pandas Series of one
        length. Ids: str or int (integer ids for both columns use
        custseg_dataset_add_columns_keys); order None makes every row an
        order. time: Unix seconds, datetime64, datetime/date or text.
        amount: currency units (float arrays are passed as doubles and
        rounded by the library half to even to 4 places; ints, Decimals
        and text exactly); or amount_fixed: int64 ten-thousandths, passed
        as is. All rows are added or none; errors name the row index."""
        if time is None:
            raise TypeError("add_columns() needs a time column")
        if (amount is None) == (amount_fixed is None):
            raise TypeError("give exactly one of amount and amount_fixed")
        n = cv.length(customer)
        cols = {"order": order, "time": time, "amount": amount,
                "amount_fixed": amount_fixed}
        for what, col in cols.items():
            if col is not None and cv.length(col) != n:
                raise ValueError(f"column {what} has {cv.length(col)} rows, "
                                 f"customer has {n}")
        if n == 0:
            return self
        keys = cv.ints_are_keys(customer) and cv.ints_are_keys(order)
        c = cv.id_column(customer, "customer", keys)
        o = None if order is None else cv.id_column(order, "order", keys)
        t = cv.time_column(time)
        if amount_fixed is not None:
            e4, dbl = cv.fixed_column(amount_fixed), None
        else:
            e4, dbl = cv.amount_column(amount)
        a = cv.address
        if keys:
            self._call(lib.custseg_dataset_add_columns_keys, self._p, n,
                       a(c.keys), None if o is None else a(o.keys), a(t),
                       a(e4), a(dbl))
        else:
            self._call(lib.custseg_dataset_add_columns, self._p, n,
                       a(c.data), a(c.offsets),
                       None if o is None else a(o.data),
                       None if o is None else a(o.offsets), a(t), a(e4),
                       a(dbl))
        return self

    def add_frame(self, frame: Any, *, customer: str, time: str,
                  amount: Optional[str] = None, order: Optional[str] = None,
                  quantity: Optional[str] = None,
                  price: Optional[str] = None,
                  amount_fixed: Optional[str] = None) -> "Dataset":
        """Add the rows of a pandas DataFrame (or any mapping of column
        name to column) in one bulk call; arguments name its columns. The
        amount is ``amount``, ``amount_fixed`` (ten-thousandths), or
        ``quantity`` times ``price``: an integer quantity times the price
        rounded half to even to 4 places, exactly; a float quantity as a
        float product rounded by the library."""
        kw: Dict[str, Any] = {"customer": frame[customer],
                              "time": frame[time],
                              "order": None if order is None
                              else frame[order]}
        if quantity is not None or price is not None:
            if quantity is None or price is None or amount is not None \
                    or amount_fixed is not None:
                raise TypeError("give quantity and price together, without "
                                "amount")
            kw.update(_quantity_price(frame[quantity], frame[price]))
        elif amount_fixed is not None:
            kw["amount_fixed"] = frame[amount_fixed]
        elif amount is not None:
            kw["amount"] = frame[amount]
        else:
            raise TypeError("add_frame() needs amount, amount_fixed or "
                            "quantity and price")
        return self.add_columns(**kw)

    # summaries ----------------------------------------------------------
    def add_customer(self, customer: str, recency: int, frequency: int,
                     monetary: Any) -> "Dataset":
        """Add one pre-aggregated customer: recency in days, frequency,
        monetary in currency units (as amounts are converted)."""
        self._call(lib.custseg_dataset_add_customer, self._p,
                   cv.encode(str(customer), "customer id"), int(recency),
                   int(frequency), cv.to_e4(monetary))
        return self

    def add_customers(self, rows: Iterable[Any]) -> "Dataset":
        """Add pre-aggregated customers from tuples ``(customer, recency,
        frequency, monetary)`` or mappings with those keys."""
        for row in rows:
            if isinstance(row, Mapping):
                self.add_customer(row["customer"], row["recency"],
                                  row["frequency"], row["monetary"])
            else:
                self.add_customer(*row)
        return self

    # attributes and events ------------------------------------------------
    def set_attribute(self, customer: str, name: str, value: Any) \
            -> "Dataset":
        """Set one customer's attribute: a number (int, float, Decimal) or
        a string; None removes the value. A customer not in the dataset
        is added (a prospect)."""
        c = cv.encode(str(customer), "customer id")
        n = cv.encode(name, "attribute name")
        if value is None:
            if self.attributes.get(name) is str:
                self._call(lib.custseg_dataset_set_attribute_string, self._p,
                           c, n, None)
            else:
                self._call(lib.custseg_dataset_set_attribute_number, self._p,
                           c, n, float("nan"))
        elif isinstance(value, str):
            self._call(lib.custseg_dataset_set_attribute_string, self._p, c,
                       n, cv.encode(value, "attribute value"))
        elif isinstance(value, bool) or not isinstance(value,
                                                       numbers.Number):
            raise TypeError(f"attribute {name}: expected a number or str, "
                            f"not {type(value).__name__}")
        else:
            self._call(lib.custseg_dataset_set_attribute_number, self._p, c,
                       n, float(value))
        return self

    def set_attributes(self, name: str, customers: Any, values: Any) \
            -> "Dataset":
        """Set attribute name of many customers in one bulk call: values
        are numbers (None/NaN: no value) or strings (None/"": no value);
        numpy and pandas columns are converted without Python loops."""
        n = cv.length(customers)
        if cv.length(values) != n:
            raise ValueError(f"{n} customers but {cv.length(values)} values")
        if n == 0:
            return self
        ids = cv.id_column(customers, "customer", False)
        key = cv.encode(name, "attribute name")
        nums = cv.number_column(values)
        if nums is not None:
            self._call(lib.custseg_dataset_set_attributes_number, self._p,
                       key, n, cv.address(ids.data),
                       cv.address(ids.offsets), cv.address(nums))
        else:
            vals = cv.id_column(cv.none_to_empty(values), "value", False)
            self._call(lib.custseg_dataset_set_attributes_string, self._p,
                       key, n, cv.address(ids.data),
                       cv.address(ids.offsets), cv.address(vals.data),
                       cv.address(vals.offsets))
        return self

    @property
    def attributes(self) -> Dict[str, type]:
        """The attributes of the dataset: name -> float or str."""
        p = self._p
        return {text(lib.custseg_dataset_attribute_name(p, i)):
                (float if lib.custseg_dataset_attribute_type(p, i) == 1
                 else str)
                for i in range(lib.custseg_dataset_attribute_count(p))}

    def add_event(self, customer: str, name: str, time: Any,
                  value: Optional[float] = None) -> "Dataset":
        """Add one event (a named thing a customer did at a time, with an
        optional numeric value)."""
        self._call(lib.custseg_dataset_add_event, self._p,
                   cv.encode(str(customer), "customer id"),
                   cv.encode(name, "event name"), cv.to_seconds(time),
                   float("nan") if value is None else float(value))
        return self

    def add_events(self, customer: Any, name: Any, time: Any,
                   value: Any = None) -> "Dataset":
        """Add many events in one bulk call, column by column (as
        :meth:`add_columns`); value None means no values."""
        n = cv.length(customer)
        for what, col in (("name", name), ("time", time), ("value", value)):
            if col is not None and cv.length(col) != n:
                raise ValueError(f"column {what} has {cv.length(col)} rows, "
                                 f"customer has {n}")
        if n == 0:
            return self
        c = cv.id_column(customer, "customer", False)
        nm = cv.id_column(name, "event name", False)
        t = cv.time_column(time)
        v = None if value is None else cv.number_column(value)
        if value is not None and v is None:
            raise TypeError("event values must be numbers")
        a = cv.address
        self._call(lib.custseg_dataset_add_events, self._p, n, a(c.data),
                   a(c.offsets), a(nm.data), a(nm.offsets), a(t), a(v))
        return self

    @property
    def events(self) -> int:
        """Number of events held."""
        return lib.custseg_dataset_event_count(self._p)

    def load_customers_csv(self, source: Any, columns: Any, *,
                           name: Optional[str] = None) -> LoadReport:
        """Load customer attributes, one row per customer. columns maps
        "id" and attribute names to CSV columns ({"id": "customer_id",
        "country": "Country"}) or is the C map text "id=...,country=..."."""
        return self._load_map(source, columns, name,
                              lib.custseg_dataset_load_customers_csv,
                              lib.custseg_dataset_load_customers_csv_buffer)

    def load_events_csv(self, source: Any, columns: Any, *,
                        name: Optional[str] = None) -> LoadReport:
        """Load events, one row per event; columns maps customer, name,
        time and optionally value to CSV columns."""
        return self._load_map(source, columns, name,
                              lib.custseg_dataset_load_events_csv,
                              lib.custseg_dataset_load_events_csv_buffer)

    def _load_map(self, source: Any, columns: Any, name: Optional[str],
                  from_path: Any, from_buffer: Any) -> LoadReport:
        m = columns if isinstance(columns, str) else ",".join(
            f"{k}={v}" for k, v in columns.items())
        mb = cv.encode(m, "column map")
        if isinstance(source, (str, os.PathLike)):
            self._call(from_path, self._p,
                       cv.encode(os.fsencode(source), "path"), mb)
            return self.report
        if hasattr(source, "read"):
            name = name or getattr(source, "name", None)
            source = source.read()
        buf = source.encode() if isinstance(source, str) else bytes(source)
        self._call(from_buffer, self._p, cv.address(buf), len(buf),
                   None if name is None else cv.encode(str(name), "name"),
                   mb)
        return self.report

    # state ----------------------------------------------------------------
    def freeze(self) -> "Dataset":
        """Make the dataset read-only and compute its metrics (done by the
        first run otherwise). Raises :class:`NoDataError` when empty."""
        self._call(lib.custseg_dataset_freeze, self._p)
        self.frozen = True
        return self

    @property
    def customers(self) -> int:
        """Number of distinct customers."""
        return lib.custseg_dataset_customer_count(self._p)

    @property
    def transactions(self) -> int:
        """Number of transactions held."""
        return lib.custseg_dataset_transaction_count(self._p)

    @property
    def memory_bytes(self) -> int:
        """Bytes of memory the dataset holds."""
        return lib.custseg_dataset_memory_bytes(self._p)

    def __repr__(self) -> str:
        if self.closed:
            return "<custseg.Dataset closed>"
        return (f"<custseg.Dataset {self.customers} customers, "
                f"{self.transactions} transactions"
                f"{', frozen' if self.frozen else ''}>")


def _quantity_price(quantity: Any, price: Any) -> Dict[str, Any]:
    if cv.is_array_like(quantity) or cv.is_array_like(price):
        np = cv._numpy()
        q = cv._to_numpy(quantity)
        if q.dtype.kind in "iu":
            p = cv._to_numpy(price)
            if p.dtype.kind == "f":
                p4 = np.rint(p * cv.E4).astype(np.int64)
            else:
                p4 = cv.amount_column(p)[0]
            return {"amount_fixed": q.astype(np.int64) * p4}
        return {"amount": q.astype(np.float64) * cv._to_numpy(price)}
    return {"amount_fixed": [int(q) * cv.to_e4(p) if isinstance(q, int)
                             else cv.to_e4(q * p)
                             for q, p in zip(quantity, price)]}


__all__ = ["Dataset", "LoadReport", "ROLES", "REJECT_REASONS"]
