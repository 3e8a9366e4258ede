"""Low-level layer: find libcustseg and declare every public C function.

Nothing here is Pythonic; the classes in the other modules are. The
library is searched, in order:

1. ``CUSTSEG_LIBRARY``: the path of the shared library (or of a directory
   holding ``libcustseg.so.1``). When set, nothing else is tried.
2. The installed library: the dynamic loader's search path
   (``LD_LIBRARY_PATH``, ``ld.so.cache``), ``ctypes.util.find_library``,
   then ``<sys.prefix>/lib``, ``/usr/local/lib`` and ``/usr/lib``.
3. The build tree this package sits in: ``<repo>/build/libcustseg.so.1``.

Functions that a library older than these bindings lacks (for example the
custom-strategy calls) are left out of ``lib`` and listed in ``missing``;
the features that need them raise :class:`NotImplementedError`.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_int64, c_size_t, c_uint, c_uint32, c_void_p)
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

# Status codes (custseg.h); the numbers never change.
OK = 0
ITEROVER = 1
ENOMEM = -1
EINVAL = -2
EIO = -3
EPARSE = -4
ENOTFOUND = -5
EMISUSE = -6
ERANGE = -7
ECANCELED = -8
ENODATA = -9
ELIMIT = -10
ECALLBACK = -11

STATUS_NAMES = {
    OK: "CUSTSEG_OK", ITEROVER: "CUSTSEG_ITEROVER", ENOMEM: "CUSTSEG_ENOMEM",
    EINVAL: "CUSTSEG_EINVAL", EIO: "CUSTSEG_EIO", EPARSE: "CUSTSEG_EPARSE",
    ENOTFOUND: "CUSTSEG_ENOTFOUND", EMISUSE: "CUSTSEG_EMISUSE",
    ERANGE: "CUSTSEG_ERANGE", ECANCELED: "CUSTSEG_ECANCELED",
    ENODATA: "CUSTSEG_ENODATA", ELIMIT: "CUSTSEG_ELIMIT",
    ECALLBACK: "CUSTSEG_ECALLBACK",
}

ALLOCATOR_VERSION = 1
STRATEGY_OPS_VERSION = 1

OPT_INT, OPT_DOUBLE, OPT_STRING = 1, 2, 3
ATTR_NUMBER, ATTR_STRING = 1, 2

# custseg_segment_stat() indexes, by the names the bindings use.
STATS = ("count", "share", "revenue", "revenue_share", "score_mean",
         "score_sd", "score_min", "score_max", "cum_revenue_share", "lift",
         "cum_lift")
# custseg_result_customer_field() indexes.
FIELDS = ("recency", "frequency", "monetary", "r", "f", "m", "decile",
          "value")
FIELD_RECENCY, FIELD_FREQUENCY, FIELD_MONETARY = 0, 1, 2
FIELD_VALUE = 7

FORMATS = {"csv": 0, "json": 1, "table": 2, "segments_csv": 3}

# Callback types.
PROGRESS_FN = CFUNCTYPE(c_int, c_double, c_void_p)
WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
ASSIGN_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
DESTROY_FN = CFUNCTYPE(None, c_void_p)
ALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_size_t)
REALLOC_FN = CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t)
FREE_FN = CFUNCTYPE(None, c_void_p, c_void_p)


class Allocator(Structure):
    """struct custseg_allocator."""
    _fields_ = [("version", c_uint), ("alloc", ALLOC_FN),
                ("realloc", REALLOC_FN), ("free", FREE_FN),
                ("payload", c_void_p)]


class StrategyOps(Structure):
    """struct custseg_strategy_ops (version 1)."""
    _fields_ = [("version", c_uint), ("name", c_char_p),
                ("assign", ASSIGN_FN), ("destroy", DESTROY_FN),
                ("payload", c_void_p)]


_P = c_void_p          # any handle or array pointer
_PP = POINTER(c_void_p)  # out handle
_I64P = POINTER(c_int64)
_SZP = POINTER(c_size_t)
_DP = POINTER(c_double)
_S = c_char_p
_i, _u, _sz, _d, _i64 = c_int, c_uint, c_size_t, c_double, c_int64

# name: (restype, argtypes) for every CUSTSEG_API function of custseg.h.
PROTOTYPES: Dict[str, Tuple[object, List[object]]] = {
    "custseg_version": (_u, []),
    "custseg_version_string": (_S, []),
    "custseg_strerror": (_S, [_i]),
    "custseg_set_allocator": (_i, [POINTER(Allocator)]),
    # dataset
    "custseg_dataset_new": (_i, [_PP]),
    "custseg_dataset_free": (None, [_P]),
    "custseg_dataset_errmsg": (_S, [_P]),
    "custseg_dataset_error_line": (_i64, [_P]),
    "custseg_dataset_error_column": (_i64, [_P]),
    "custseg_dataset_set_int": (_i, [_P, _S, _i64]),
    "custseg_dataset_set_string": (_i, [_P, _S, _S]),
    "custseg_dataset_map_column": (_i, [_P, _S, _S]),
    "custseg_dataset_set_progress": (None, [_P, _P, _P]),
    "custseg_dataset_load_csv": (_i, [_P, _S]),
    "custseg_dataset_load_csv_buffer": (_i, [_P, _P, _sz, _S]),
    "custseg_dataset_rows_read": (_i64, [_P]),
    "custseg_dataset_rows_accepted": (_i64, [_P]),
    "custseg_dataset_rows_rejected": (_i64, [_P, _i]),
    "custseg_dataset_reject_line": (_i64, [_P, _i, _i]),
    "custseg_reject_reason_name": (_S, [_i]),
    "custseg_dataset_add_transaction": (_i, [_P, _S, _S, _i64, _i64, _S]),
    "custseg_dataset_add_columns": (_i, [_P, _sz, _P, _P, _P, _P, _P, _P,
                                         _P]),
    "custseg_dataset_add_columns_keys": (_i, [_P, _sz, _P, _P, _P, _P, _P]),
    "custseg_dataset_add_customer": (_i, [_P, _S, _i64, _i64, _i64]),
    "custseg_dataset_freeze": (_i, [_P]),
    "custseg_dataset_customer_count": (_sz, [_P]),
    "custseg_dataset_transaction_count": (_sz, [_P]),
    "custseg_dataset_memory_bytes": (_sz, [_P]),
    # attributes and events
    "custseg_dataset_set_attribute_number": (_i, [_P, _S, _S, _d]),
    "custseg_dataset_set_attribute_string": (_i, [_P, _S, _S, _S]),
    "custseg_dataset_set_attributes_number": (_i, [_P, _S, _sz, _P, _P,
                                                   _P]),
    "custseg_dataset_set_attributes_string": (_i, [_P, _S, _sz, _P, _P, _P,
                                                   _P]),
    "custseg_dataset_add_event": (_i, [_P, _S, _S, _i64, _d]),
    "custseg_dataset_add_events": (_i, [_P, _sz, _P, _P, _P, _P, _P, _P]),
    "custseg_dataset_load_customers_csv": (_i, [_P, _S, _S]),
    "custseg_dataset_load_customers_csv_buffer": (_i, [_P, _P, _sz, _S,
                                                       _S]),
    "custseg_dataset_load_events_csv": (_i, [_P, _S, _S]),
    "custseg_dataset_load_events_csv_buffer": (_i, [_P, _P, _sz, _S, _S]),
    "custseg_dataset_attribute_count": (_sz, [_P]),
    "custseg_dataset_attribute_name": (_S, [_P, _sz]),
    "custseg_dataset_attribute_type": (_i, [_P, _sz]),
    "custseg_dataset_event_count": (_sz, [_P]),
    # strategy
    "custseg_strategy_new": (_i, [_PP, _S]),
    "custseg_strategy_free": (None, [_P]),
    "custseg_strategy_name": (_S, [_P]),
    "custseg_strategy_errmsg": (_S, [_P]),
    "custseg_strategy_set_int": (_i, [_P, _S, _i64]),
    "custseg_strategy_set_double": (_i, [_P, _S, _d]),
    "custseg_strategy_set_string": (_i, [_P, _S, _S]),
    "custseg_strategy_option_count": (_sz, [_P]),
    "custseg_strategy_option_name": (_S, [_P, _sz]),
    "custseg_strategy_option_type": (_i, [_P, _sz]),
    "custseg_strategy_add_segment_range": (_i, [_P, _S, _i, _i, _i, _i, _i,
                                                _i]),
    "custseg_strategy_add_segment_codes": (_i, [_P, _S, _S]),
    "custseg_strategy_load_segments": (_i, [_P, _S]),
    "custseg_strategy_load_segments_buffer": (_i, [_P, _P, _sz, _S]),
    "custseg_strategy_clear_segments": (None, [_P]),
    "custseg_strategy_set_progress": (None, [_P, _P, _P]),
    "custseg_strategy_error_line": (_i64, [_P]),
    "custseg_strategy_error_column": (_i64, [_P]),
    # rules (the "prior" strategy)
    "custseg_strategy_add_rule": (_i, [_P, _S, _S]),
    "custseg_strategy_load_rules": (_i, [_P, _S]),
    "custseg_strategy_load_rules_buffer": (_i, [_P, _P, _sz, _S]),
    "custseg_strategy_set_rfm": (_i, [_P, _P]),
    # run and results
    "custseg_run": (_i, [_PP, _P, _P]),
    "custseg_result_free": (None, [_P]),
    "custseg_result_errmsg": (_S, [_P]),
    "custseg_result_strategy": (_S, [_P]),
    "custseg_result_segment_count": (_sz, [_P]),
    "custseg_result_segment_at": (_i, [_PP, _P, _sz]),
    "custseg_segment_name": (_S, [_P]),
    "custseg_segment_index": (_sz, [_P]),
    "custseg_segment_count": (_i64, [_P]),
    "custseg_segment_revenue": (_i64, [_P]),
    "custseg_segment_stat": (_d, [_P, _i]),
    "custseg_result_iter_new": (_i, [_PP, _P]),
    "custseg_iter_next": (_i, [_PP, _P]),
    "custseg_iter_reset": (None, [_P]),
    "custseg_iter_free": (None, [_P]),
    "custseg_member_iter_new": (_i, [_PP, _P, _P]),
    "custseg_member_iter_next": (_i, [_SZP, _P]),
    "custseg_member_iter_free": (None, [_P]),
    "custseg_result_customer_count": (_sz, [_P]),
    "custseg_result_customer_id": (_S, [_P, _sz]),
    "custseg_result_find": (_i, [_SZP, _P, _S]),
    "custseg_result_customer_segment": (_sz, [_P, _sz]),
    "custseg_result_customer_field": (_i, [_I64P, _P, _sz, _i]),
    "custseg_result_customer_score": (_d, [_P, _sz]),
    "custseg_result_threshold": (_i, [_DP, _DP, _P, _i, _i]),
    "custseg_result_bins": (_i, [_P]),
    "custseg_result_write": (_i, [_P, _i, _i, WRITE_FN, _P]),
    "custseg_result_write_file": (_i, [_P, _i, _i, _S]),
    # custom strategies
    "custseg_register_strategy": (_i, [POINTER(StrategyOps)]),
    "custseg_unregister_strategy": (_i, [_S]),
    "custseg_assign_customer_count": (_sz, [_P]),
    "custseg_assign_customer_id": (_S, [_P, _sz]),
    "custseg_assign_metric": (_i, [_I64P, _P, _sz, _i]),
    "custseg_assign_metric_range": (_i, [_P, _P, _i, _sz, _sz]),
    "custseg_assign_attribute_number": (_i, [_DP, _P, _sz, _S]),
    "custseg_assign_attribute_string": (_i, [POINTER(c_char_p), _P, _sz,
                                             _S]),
    "custseg_assign_define_segment": (_i, [_SZP, _P, _S]),
    "custseg_assign_set": (_i, [_P, _sz, _sz, _d]),
    "custseg_assign_set_range": (_i, [_P, _sz, _sz, _P, _P]),
    "custseg_assign_error": (_i, [_P, _S]),
    # utilities
    "custseg_parse_time": (_i, [_I64P, _S]),
    "custseg_parse_amount": (_i, [_I64P, _S]),
}

SONAME = {"darwin": "libcustseg.1.dylib",
          "win32": "custseg.dll"}.get(sys.platform, "libcustseg.so.1")


def _candidates() -> Iterator[str]:
    env = os.environ.get("CUSTSEG_LIBRARY")
    if env:
        yield str(Path(env) / SONAME) if os.path.isdir(env) else env
        return
    yield SONAME  # the loader's own search path
    found = ctypes.util.find_library("custseg")
    if found:
        yield found
    for d in (Path(sys.prefix) / "lib", Path("/usr/local/lib"),
              Path("/usr/lib")):
        yield str(d / SONAME)
    root = Path(__file__).resolve().parent.parent.parent.parent
    yield str(root / "build" / SONAME)


def _load() -> Tuple[ctypes.CDLL, str]:
    tried: List[str] = []
    for path in dict.fromkeys(_candidates()):  # in order, once each
        try:
            dll = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path}: {e}")
            continue
        if not hasattr(dll, "custseg_version"):
            tried.append(f"{path}: not libcustseg")
            continue
        return dll, path
    raise ImportError("custseg: cannot load libcustseg (set CUSTSEG_LIBRARY "
                      "to its path); tried:\n  " + "\n  ".join(tried))


def _absent(name: str):
    def call(*args: object) -> int:
        raise NotImplementedError(f"{name} is not in {path} (an older "
                                  "libcustseg)")
    return call


lib, path = _load()
missing: List[str] = []
for _name, (_res, _args) in PROTOTYPES.items():
    try:
        _f = getattr(lib, _name)
    except AttributeError:
        missing.append(_name)
        setattr(lib, _name, _absent(_name))
        continue
    _f.restype = _res
    _f.argtypes = _args

version_number: int = lib.custseg_version()
if version_number // 10000 != 1:
    raise ImportError(f"custseg: {path} is version {version_number}; these "
                      "bindings need libcustseg 1.x")


def has(name: str) -> bool:
    """Whether the loaded library exports the function ``name``."""
    return name not in missing


def text(b: "bytes | None") -> str:
    """A string returned by the library, as str (UTF-8, lenient)."""
    return "" if b is None else b.decode("utf-8", "replace")


__all__ = ["lib", "path", "missing", "has", "PROTOTYPES", "c_int64",
           "c_size_t", "c_double", "c_void_p", "c_uint32"]
