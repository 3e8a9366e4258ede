"""Conversions between Python values and the library's representations.

Times are int64 Unix seconds (UTC); money is int64 ten-thousandths of the
currency unit. Columns are turned into contiguous buffers for the bulk
calls without a Python-level loop per row wherever the input allows it:
numpy arrays and pandas columns are converted with whole-array numpy
operations; plain lists use C-level iteration (``map``, ``str.join``,
``array.array``). numpy is imported only when a numpy or pandas object is
given.
"""
from __future__ import annotations

import array
import ctypes
import datetime as _dt
import math
import numbers
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from itertools import accumulate
from typing import Any, List, Optional, Sequence, Tuple

from ._ffi import lib
from .errors import raise_for

E4 = 10000
MAX_I64 = (1 << 63) - 1
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_Q4 = Decimal("0.0001")


# ----------------------------------------------------------------- scalars

def to_seconds(value: Any) -> int:
    """A time as Unix seconds: int, float (floored), datetime (naive ones
    are taken as UTC, aware ones converted), date (midnight UTC), numpy
    datetime64, pandas Timestamp, or text parsed by custseg_parse_time()."""
    if isinstance(value, bool):
        raise TypeError("a time cannot be a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, _dt.datetime):  # also pandas.Timestamp
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        delta = value - _EPOCH
        return delta.days * 86400 + delta.seconds
    if isinstance(value, _dt.date):
        return (value - _dt.date(1970, 1, 1)).days * 86400
    if isinstance(value, (str, bytes)):
        return parse_time(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"invalid time {value!r}")
        return math.floor(value)
    if type(value).__module__.startswith("numpy"):
        np = _numpy()
        if isinstance(value, np.datetime64):
            if np.isnat(value):
                raise ValueError("missing time (NaT)")
            return int(value.astype("datetime64[s]").astype(np.int64))
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return to_seconds(float(value))
    if isinstance(value, numbers.Integral):
        return int(value)
    raise TypeError(f"cannot use {type(value).__name__} {value!r} as a time")


def to_e4(value: Any) -> int:
    """An amount in ten-thousandths: int and Decimal exactly (Decimal
    rounded half to even to 4 places), float as the C library rounds
    ``amounts_double`` (value * 10000 rounded half to even, so 0.1 is
    1000 but a float that is not what its repr says may round the other
    way: use Decimal or str for exact input), text by
    custseg_parse_amount()."""
    if isinstance(value, bool):
        raise TypeError("an amount cannot be a bool")
    if isinstance(value, int):
        e4 = value * E4
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"invalid amount {value!r}")
        try:
            e4 = int(value.quantize(_Q4, rounding=ROUND_HALF_EVEN) * E4)
        except InvalidOperation:
            raise ValueError(f"amount out of range: {value!r}") from None
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"invalid amount {value!r}")
        e4 = round(value * E4)  # round() on a float is half to even
    elif isinstance(value, (str, bytes)):
        return parse_amount_e4(value)
    elif isinstance(value, numbers.Integral):
        e4 = int(value) * E4
    elif isinstance(value, numbers.Rational):
        e4 = round(value * E4)
    elif isinstance(value, numbers.Real):  # numpy floats and the like
        return to_e4(float(value))
    else:
        raise TypeError(
            f"cannot use {type(value).__name__} {value!r} as an amount")
    if not -MAX_I64 - 1 <= e4 <= MAX_I64:
        raise ValueError(f"amount out of range: {value!r}")
    return e4


def from_e4(e4: int) -> Decimal:
    """Ten-thousandths as an exact Decimal with 4 places."""
    return Decimal(e4).scaleb(-4)


def parse_time(text: "str | bytes") -> int:
    """Parse a timestamp as the CSV loader does (custseg_parse_time())."""
    out = ctypes.c_int64()
    raw = text.encode() if isinstance(text, str) else bytes(text)
    rc = lib.custseg_parse_time(ctypes.byref(out), raw)
    if rc != 0:
        raise_for(rc, f"invalid time {text!r}")
    return out.value


def parse_amount_e4(text: "str | bytes") -> int:
    """Parse a decimal number into ten-thousandths (custseg_parse_amount())."""
    out = ctypes.c_int64()
    raw = text.encode() if isinstance(text, str) else bytes(text)
    rc = lib.custseg_parse_amount(ctypes.byref(out), raw)
    if rc != 0:
        raise_for(rc, f"invalid amount {text!r}")
    return out.value


def encode(s: "str | bytes", what: str = "string") -> bytes:
    """Text for a C string argument: UTF-8, without NUL bytes."""
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    if b"\0" in b:
        raise ValueError(f"{what} contains a NUL character: {s!r}")
    return b


def optional(s: "str | bytes | None", what: str) -> Optional[bytes]:
    return None if s is None else encode(s if isinstance(s, (str, bytes))
                                         else str(s), what)


# ----------------------------------------------------------------- columns

def _numpy():
    import numpy
    return numpy


def is_array_like(x: Any) -> bool:
    """A numpy array or a pandas Series/Index/array (no import needed)."""
    mod = type(x).__module__
    return mod.startswith("numpy") or mod.startswith("pandas")


def address(buf: Any) -> Optional[int]:
    """The address of a buffer handed to C (kept alive by the caller)."""
    if buf is None:
        return None
    if isinstance(buf, bytes):
        return ctypes.cast(ctypes.c_char_p(buf), ctypes.c_void_p).value
    if isinstance(buf, array.array):
        return buf.buffer_info()[0]
    return buf.ctypes.data  # numpy


def _to_numpy(x: Any):
    """A 1-D numpy array from a numpy or pandas object."""
    np = _numpy()
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        x = x.to_numpy()
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"a column must be one-dimensional, not {a.shape}")
    return a


class IdColumn:
    """An id column ready for the bulk calls: integer keys (``keys``) or
    UTF-8 bytes with n + 1 offsets (``data``, ``offsets``)."""
    __slots__ = ("n", "keys", "data", "offsets")

    def __init__(self, n: int, keys: Any = None, data: Any = None,
                 offsets: Any = None):
        self.n, self.keys, self.data, self.offsets = n, keys, data, offsets


def _int_like_list(values: Sequence[Any]) -> bool:
    types = set(map(type, values))
    return bool(types) and all(issubclass(t, int) and t is not bool
                               for t in types)


def id_column(values: Any, what: str, want_keys: bool) -> IdColumn:
    """Convert an id column. Integers become keys when want_keys, else
    their decimal text; strings become UTF-8 bytes and offsets."""
    if is_array_like(values):
        return _np_id_column(_to_numpy(values), what, want_keys)
    if not isinstance(values, (list, tuple)):
        values = list(values)
    n = len(values)
    if n and _int_like_list(values):
        if want_keys:
            try:
                return IdColumn(n, keys=array.array("q", values))
            except OverflowError:
                raise ValueError(f"{what} id out of the int64 range") \
                    from None
        values = list(map(str, values))
    return _list_bytes(values, what)


def ints_are_keys(values: Any) -> bool:
    """Whether an id column holds integers (so may use the keys call)."""
    if values is None:
        return True
    if is_array_like(values):
        a = _to_numpy(values)
        return a.dtype.kind in "iu"
    if not isinstance(values, (list, tuple)):
        return False
    return len(values) > 0 and _int_like_list(values)


def _list_bytes(values: Sequence[Any], what: str, np: Any = None) \
        -> IdColumn:
    """Strings (or ints, bytes) of a list: joined in C by str.join, with
    lengths from map(len); np (numpy, when the caller has it) makes the
    offsets with one cumsum."""
    n = len(values)
    try:
        joined = "".join(values)  # TypeError unless all str
    except TypeError:
        joined = None
    if joined is not None:
        if "\0" in joined:
            raise ValueError(f"a {what} id contains a NUL character")
        if joined.isascii():
            data = joined.encode("ascii")
            lens = map(len, values)
        else:
            enc = list(map(str.encode, values))
            data, lens = b"".join(enc), map(len, enc)
    else:
        enc = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                enc.append(v.encode())
            elif isinstance(v, (bytes, bytearray)):
                enc.append(bytes(v))
            elif isinstance(v, numbers.Integral) and not isinstance(v, bool):
                enc.append(str(int(v)).encode())
            elif v is None:
                raise ValueError(f"missing {what} id at row {i}")
            else:
                raise TypeError(f"{what} id at row {i} is a "
                                f"{type(v).__name__}, not str or int")
        data = b"".join(enc)
        if b"\0" in data:
            raise ValueError(f"a {what} id contains a NUL character")
        lens = map(len, enc)
    if np is not None:
        offsets = np.empty(n + 1, np.int64)
        offsets[0] = 0
        np.cumsum(np.fromiter(lens, np.int64, n), out=offsets[1:])
    else:
        offsets = array.array("q", accumulate(lens, initial=0))
    return IdColumn(n, data=data, offsets=offsets)


def _np_id_column(a: Any, what: str, want_keys: bool) -> IdColumn:
    np = _numpy()
    n = a.shape[0]
    kind = a.dtype.kind
    if kind in "iu":
        if kind == "u" and n and a.max() > MAX_I64:
            raise ValueError(f"{what} id out of the int64 range")
        if want_keys:
            return IdColumn(n, keys=np.ascontiguousarray(a, dtype=np.int64))
        a = a.astype("S")  # decimal text, in C
        kind = "S"
    if kind == "U":
        return _fixed_width(a, 4, what)
    if kind == "S":
        return _fixed_width(a, 1, what)
    if kind == "O":
        return _object_ids(a, what, np)
    raise TypeError(f"{what} ids must be strings or integers, not "
                    f"{a.dtype}")


def _object_ids(a: Any, what: str, np: Any) -> IdColumn:
    """numpy object arrays of str (pandas string columns): joined by str.join
    with NUL separators and encoded once, in C; the separators, found with
    one vector comparison, give the offsets and are cut out."""
    n = a.shape[0]
    try:
        joined = "\0".join(a)
    except TypeError:  # not all str: ints, bytes, None
        return _list_bytes(a.tolist(), what, np)
    if n == 0:
        return IdColumn(0, data=b"", offsets=np.zeros(1, np.int64))
    if joined.count("\0") != n - 1:
        raise ValueError(f"a {what} id contains a NUL character")
    try:
        raw = joined.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"a {what} id cannot be encoded as UTF-8: {e}") \
            from None
    buf = np.frombuffer(raw, np.uint8)
    sep = np.flatnonzero(buf == 0)
    offsets = np.empty(n + 1, np.int64)
    offsets[0] = 0
    offsets[1:n] = sep - np.arange(n - 1)  # ends, less the separators
    offsets[n] = len(buf) - (n - 1)
    data = buf[buf != 0] if n > 1 else buf
    return IdColumn(n, data=data, offsets=offsets)


def _fixed_width(a: Any, unit: int, what: str) -> IdColumn:
    """numpy 'U' (UTF-32) or 'S' (bytes) arrays: strings padded with NULs
    to a fixed width. The padding is cut with whole-array operations: a
    mask of non-NUL characters, each row's length as the run of leading
    non-NULs (one vector operation per column of characters), and one
    boolean gather; UTF-32 is encoded to UTF-8 vectorially."""
    np = _numpy()
    n = a.shape[0]
    w = a.dtype.itemsize // unit
    if n == 0 or w == 0:
        return IdColumn(n, data=b"", offsets=np.zeros(n + 1, np.int64))
    a = np.ascontiguousarray(a)
    cp = a.view(np.uint32 if unit == 4 else np.uint8).reshape(n, w)
    ascii = unit == 1 or int(cp.max()) < 0x80
    chars = cp.astype(np.uint8) if unit == 4 and ascii else cp
    flat = chars.reshape(-1)
    nonzero = flat != 0
    m8 = nonzero.view(np.uint8).reshape(n, w)
    # Length = leading non-NUL characters; numpy strings have no trailing
    # NULs of their own, so a non-NUL after the run is an embedded NUL.
    run = m8[:, 0].copy()
    lens = run.astype(np.uint8 if w < 256 else np.int64)  # no overflow
    for j in range(1, w):
        run &= m8[:, j]
        lens += run
    total = int(lens.sum(dtype=np.int64))
    if total != int(np.count_nonzero(nonzero)):
        raise ValueError(f"a {what} id contains a NUL character")
    data = flat if total == n * w else flat[nonzero]
    if not ascii:
        data, lens = _utf8(data, lens)
    offsets = np.empty(n + 1, np.int64)
    offsets[0] = 0
    np.cumsum(lens, dtype=np.int64, out=offsets[1:])
    return IdColumn(n, data=np.ascontiguousarray(data, dtype=np.uint8),
                    offsets=offsets)


def _utf8(cps: Any, lens: Any) -> Tuple[Any, Any]:
    """Encode code points (uint32) to UTF-8; lens (code points per row)
    becomes bytes per row."""
    np = _numpy()
    cps = cps.astype(np.uint32, copy=False)
    if np.any((cps >= 0xD800) & (cps <= 0xDFFF)):
        raise ValueError("id contains a lone surrogate; cannot encode it "
                         "as UTF-8")
    nb = (1 + (cps >= 0x80) + (cps >= 0x800)
          + (cps >= 0x10000)).astype(np.int64)
    ends = np.cumsum(nb)
    starts = ends - nb
    out = np.empty(int(ends[-1]) if len(ends) else 0, np.uint8)
    c = cps
    for k, lead in ((1, 0), (2, 0xC0), (3, 0xE0), (4, 0xF0)):
        sel = nb == k
        if not sel.any():
            continue
        s, v = starts[sel], c[sel]
        out[s] = lead | (v >> (6 * (k - 1)))
        for i in range(1, k):
            out[s + i] = 0x80 | ((v >> (6 * (k - 1 - i))) & 0x3F)
    row_end = np.cumsum(lens, dtype=np.int64)
    byte_end = np.concatenate(([0], ends))[row_end]
    byte_lens = np.diff(np.concatenate(([0], byte_end)))
    return out, byte_lens


def time_column(values: Any) -> Any:
    """A time column as contiguous int64 Unix seconds."""
    if not is_array_like(values):
        if not isinstance(values, (list, tuple)):
            values = list(values)
        if all(type(v) is int for v in values):
            return array.array("q", values)
        return array.array("q", map(to_seconds, values))
    np = _numpy()
    dtype = getattr(values, "dtype", None)
    if dtype is not None and type(dtype).__module__.startswith("pandas") \
            and getattr(dtype, "tz", None) is not None:
        import pandas as pd  # tz-aware: its UTC instants
        ns = pd.DatetimeIndex(values).asi8
        if n_nat := int((ns == np.iinfo(np.int64).min).sum()):
            raise ValueError(f"{n_nat} missing times (NaT)")
        return np.floor_divide(ns, 10**9)
    a = _to_numpy(values)
    kind = a.dtype.kind
    if kind == "M":
        if np.isnat(a).any():
            raise ValueError(f"{int(np.isnat(a).sum())} missing times "
                             "(NaT)")
        return np.ascontiguousarray(
            a.astype("datetime64[s]").view(np.int64))
    if kind in "iu":
        return np.ascontiguousarray(a, dtype=np.int64)
    if kind == "f":
        if not np.isfinite(a).all():
            raise ValueError("a time is NaN or infinite")
        return np.floor(a).astype(np.int64)
    if kind in "USO":
        return np.fromiter(map(to_seconds, a.tolist()), np.int64, len(a))
    raise TypeError(f"cannot use a {a.dtype} column as times")


def amount_column(values: Any) -> Tuple[Any, Any]:
    """An amount column as (int64 ten-thousandths, None) or (None, float64
    currency units, rounded by the library half to even to 4 places)."""
    if not is_array_like(values):
        if not isinstance(values, (list, tuple)):
            values = list(values)
        if all(type(v) is float for v in values):
            return None, array.array("d", values)
        return array.array("q", map(to_e4, values)), None
    np = _numpy()
    a = _to_numpy(values)
    kind = a.dtype.kind
    if kind == "f":
        return None, np.ascontiguousarray(a, dtype=np.float64)
    if kind in "iu":
        if len(a) and (a.max() > MAX_I64 // E4 or a.min() < -MAX_I64 // E4):
            raise ValueError("an amount is out of range")
        return np.multiply(a, E4, dtype=np.int64), None
    if kind in "USO":
        return np.fromiter(map(to_e4, a.tolist()), np.int64, len(a)), None
    raise TypeError(f"cannot use a {a.dtype} column as amounts")


def fixed_column(values: Any) -> Any:
    """Amounts already in ten-thousandths, as contiguous int64."""
    if is_array_like(values):
        np = _numpy()
        a = _to_numpy(values)
        if a.dtype.kind not in "iu":
            raise TypeError("amount_fixed must hold integers "
                            "(ten-thousandths)")
        return np.ascontiguousarray(a, dtype=np.int64)
    return array.array("q", values)


def number_column(values: Any) -> Any:
    """A column of numbers as contiguous float64 (None becomes NaN), or
    None when the column does not hold numbers."""
    if is_array_like(values):
        np = _numpy()
        a = _to_numpy(values)
        if a.dtype.kind in "iuf":
            return np.ascontiguousarray(a, dtype=np.float64)
        if a.dtype.kind != "O":
            return None
        values = a.tolist()
    if not isinstance(values, (list, tuple)):
        values = list(values)
    if not all(v is None or (isinstance(v, numbers.Real)
                             and not isinstance(v, bool)) for v in values):
        return None
    return array.array("d", (math.nan if v is None else float(v)
                             for v in values))


def none_to_empty(values: Any) -> Any:
    """A string column with None (or pandas NA) as empty strings."""
    if is_array_like(values):
        a = _to_numpy(values)
        if a.dtype.kind != "O":
            return a
        values = a.tolist()
    return ["" if v is None or (isinstance(v, float) and math.isnan(v))
            else v for v in values]


def length(values: Any) -> int:
    try:
        return len(values)
    except TypeError:
        raise TypeError(f"a column must have a length, not "
                        f"{type(values).__name__}") from None


def as_list(values: Any) -> List[Any]:
    return values if isinstance(values, list) else list(values)

