"""bench_python.py - building a dataset through the Python binding against
the same bulk call made directly, in one process (part of `make bench`).

For BENCH_TX transactions of BENCH_CUSTOMERS customers (defaults 10000000
and 1000000), generated with numpy, it times:

  C        custseg_dataset_add_columns() (or _keys) on buffers that are
           already in the library's layout (one bytes buffer and int64
           offsets per id column): one call through ctypes, no per-row
           work; this is what a C caller pays.
  Python   Dataset.add_columns() (or add_frame()) from the numpy arrays /
           pandas DataFrame a Python caller has: string ids as numpy
           unicode arrays, times as datetime64, amounts as float64; the
           binding converts them with whole-array operations, then makes
           that same call.

and prints each Python time as a ratio of the C time (target: <= 1.5).
Library timings are the best of BENCH_RUNS runs (default 1), C and Python
alternating. Skips with a message when numpy is missing.

    CUSTSEG_LIBRARY=build/libcustseg.so.1 python3 bench/bench_python.py
"""
import ctypes
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bindings" / "python"))

try:
    import numpy as np
except ImportError:
    print("bench_python: skipped: numpy is not installed "
          "(apt-get install python3-numpy)")
    sys.exit(0)

import custseg  # noqa: E402
from custseg import _convert as cv  # noqa: E402
from custseg._ffi import lib  # noqa: E402

TARGET = 1.5


def text_ids(prefix, nums):
    """prefix + decimal nums as a numpy unicode array ("cust-42"), made
    digit column by digit column (np.char.add is slow at this size)."""
    n = len(nums)
    digits = np.ones(n, np.int64)
    for k in range(1, 19):
        digits += nums >= 10 ** k
    width = len(prefix) + int(digits.max())
    cps = np.zeros((n, width), np.uint32)
    cps[:, :len(prefix)] = [ord(ch) for ch in prefix]
    for j in range(width - len(prefix)):
        power = digits - 1 - j
        valid = power >= 0
        digit = (nums // 10 ** np.maximum(power, 0)) % 10
        cps[:, len(prefix) + j] = np.where(valid, 48 + digit, 0)
    return cps.view(f"<U{width}").reshape(n)


def generate(n, customers, seed=42):
    rng = np.random.default_rng(seed)
    cust_num = rng.integers(0, customers, n)
    order_num = np.arange(n) // 3  # three lines per order
    return {
        "cust_num": cust_num,
        "order_num": order_num,
        "cust": text_ids("cust-", cust_num),
        "order": text_ids("order-", order_num),
        "time": (np.datetime64("2022-01-01T00:00:00")
                 + rng.integers(0, 2 * 365 * 86400, n).astype(
                     "timedelta64[s]")),
        "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
    }


def timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def c_call(n, args, keys):
    """A fresh dataset filled by one direct bulk call; returns seconds."""
    ds = ctypes.c_void_p()
    if lib.custseg_dataset_new(ctypes.byref(ds)) != 0:
        raise MemoryError("custseg_dataset_new")
    try:
        f = (lib.custseg_dataset_add_columns_keys if keys
             else lib.custseg_dataset_add_columns)
        t0 = time.perf_counter()
        rc = f(ds, n, *args)
        secs = time.perf_counter() - t0
        if rc != 0:
            raise custseg.error_for(rc, lib.custseg_dataset_errmsg(ds)
                                    .decode())
        return secs
    finally:
        lib.custseg_dataset_free(ds)


def py_call(fill):
    def run():
        with custseg.Dataset() as ds:
            fill(ds)
    return timed(run)


def main():
    n = int(os.environ.get("BENCH_TX", "10000000"))
    customers = int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
    runs = max(1, int(os.environ.get("BENCH_RUNS", "1")))
    print(f"python binding: {n} transactions, {customers} customers "
          f"(numpy {np.__version__}, {custseg.library_path})")
    t0 = time.perf_counter()
    d = generate(n, customers)
    print(f"  generated in {time.perf_counter() - t0:.1f} s")

    # The library's layout, prepared outside the timings for the C side.
    c = cv.id_column(d["cust"], "customer", False)
    o = cv.id_column(d["order"], "order", False)
    secs = cv.time_column(d["time"])
    amounts = d["amount"]
    a = cv.address
    str_args = (a(c.data), a(c.offsets), a(o.data), a(o.offsets), a(secs),
                None, a(amounts))
    key_args = (a(d["cust_num"]), a(d["order_num"]), a(secs), None,
                a(amounts))

    cases = [
        ("string ids", False, str_args,
         lambda ds: ds.add_columns(customer=d["cust"], order=d["order"],
                                   time=d["time"], amount=d["amount"])),
        ("integer ids", True, key_args,
         lambda ds: ds.add_columns(customer=d["cust_num"],
                                   order=d["order_num"], time=d["time"],
                                   amount=d["amount"])),
    ]
    try:
        import pandas as pd
        df = pd.DataFrame({"customer": d["cust"].astype(object),
                           "order": d["order"].astype(object),
                           "time": d["time"], "amount": d["amount"]})
        cases.append(("pandas DataFrame", False, str_args,
                      lambda ds: ds.add_frame(df, customer="customer",
                                              order="order", time="time",
                                              amount="amount")))
    except ImportError:
        print("  pandas not installed: DataFrame case skipped")

    print(f"\n  {'input':<18} {'C s':>8} {'Python s':>9} {'ratio':>6}")
    worst = 0.0
    main_ratio = None
    for name, keys, args, fill in cases:
        best_c = best_py = float("inf")
        for r in range(runs):
            if r % 2 == 0:
                best_c = min(best_c, c_call(n, args, keys))
                best_py = min(best_py, py_call(fill))
            else:
                best_py = min(best_py, py_call(fill))
                best_c = min(best_c, c_call(n, args, keys))
        ratio = best_py / best_c
        main_ratio = ratio if main_ratio is None else main_ratio
        worst = max(worst, ratio)
        print(f"  {name:<18} {best_c:8.3f} {best_py:9.3f} {ratio:6.2f}")
    verdict = "within" if main_ratio <= TARGET else "OVER"
    print(f"\npython: numpy bulk build {main_ratio:.2f}x the C bulk call "
          f"({verdict} the {TARGET}x target; worst case {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
