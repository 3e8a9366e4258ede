"""Library loading, conversions, errors, handles and API coverage."""
import datetime as dt
import gc
import os
import re
import subprocess
import sys
import unittest
from decimal import Decimal
from fractions import Fraction

from support import ROOT, custseg, tx_dataset


class TestLibrary(unittest.TestCase):
    def test_version(self):
        self.assertEqual(custseg.version(), "1.0.0")
        self.assertEqual(custseg.library_version_number // 10000, 1)
        self.assertTrue(os.path.exists(custseg.library_path))

    def test_strerror(self):
        self.assertEqual(custseg.strerror(0), "success")
        self.assertEqual(custseg.strerror(12345), "unknown status")

    def test_every_public_function_is_declared_and_used(self):
        header = ROOT / "include" / "custseg.h"
        if not header.exists():
            self.skipTest("no include/custseg.h")
        text = header.read_text()
        decls = set()
        for m in re.finditer(r"CUSTSEG_API[^;(]*?\b(custseg_\w+)\s*\(", text):
            decls.add(m.group(1))
        self.assertGreater(len(decls), 80)
        declared = set(custseg._ffi.PROTOTYPES)
        self.assertEqual(sorted(decls - declared), [],
                         "functions of custseg.h the bindings do not declare")
        pkg = ROOT / "bindings" / "python" / "custseg"
        code = "".join(p.read_text() for p in pkg.glob("*.py")
                       if p.name != "_ffi.py")
        unused = sorted(f for f in decls if f not in code)
        self.assertEqual(unused, [], "declared but never wrapped")


def import_with(env_lib):
    """Import custseg in a fresh process with CUSTSEG_LIBRARY set to
    env_lib (None: unset); returns (exit status, output)."""
    env = dict(os.environ)
    env.pop("CUSTSEG_LIBRARY", None)
    if env_lib is not None:
        env["CUSTSEG_LIBRARY"] = env_lib
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import custseg; "
            "print(custseg.library_path)")
    out = subprocess.run([sys.executable, "-c", code,
                          str(ROOT / "bindings" / "python")], env=env,
                         capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout.strip() + out.stderr


class TestLoading(unittest.TestCase):
    def test_environment_variable_file_and_directory(self):
        path = custseg.library_path
        self.assertEqual(import_with(path), (0, path))
        rc, out = import_with(os.path.dirname(os.path.abspath(path)))
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.endswith("libcustseg.so.1"), out)

    def test_bad_path_is_an_import_error(self):
        rc, out = import_with("/nonexistent/libcustseg.so.1")
        self.assertNotEqual(rc, 0)
        self.assertIn("ImportError: custseg: cannot load libcustseg", out)
        self.assertIn("/nonexistent/libcustseg.so.1", out)

    def test_installed_or_build_tree(self):
        # Without CUSTSEG_LIBRARY: the loader's path, the usual library
        # directories, then the build tree (which may hold another build).
        build = ROOT / "build" / "libcustseg.so.1"
        rc, out = import_with(None)
        if rc != 0:
            tried = [x for x in out[out.index("tried:"):].split("\n")[1:]
                     if x.strip()]
            self.assertTrue(tried[0].strip().startswith("libcustseg.so.1:"))
            self.assertTrue(tried[-1].strip().startswith(f"{build}:"), out)
            self.skipTest("no installed library and no usable build/")
        self.assertTrue(out == "libcustseg.so.1" or out == str(build)
                        or out.endswith("/libcustseg.so.1"), out)


class TestConversions(unittest.TestCase):
    def test_times(self):
        jan1 = 1704067200
        self.assertEqual(custseg.to_seconds(jan1), jan1)
        self.assertEqual(custseg.to_seconds("2024-01-01"), jan1)
        self.assertEqual(custseg.to_seconds(dt.date(2024, 1, 1)), jan1)
        self.assertEqual(custseg.to_seconds(dt.datetime(2024, 1, 1, 1)),
                         jan1 + 3600)
        tz = dt.timezone(dt.timedelta(hours=2))
        self.assertEqual(custseg.to_seconds(dt.datetime(2024, 1, 1, 2,
                                                        tzinfo=tz)), jan1)
        self.assertEqual(custseg.to_seconds("2024-01-01T02:00:00+02:00"),
                         jan1)
        self.assertEqual(custseg.to_seconds("20240101"), jan1)
        self.assertEqual(custseg.to_seconds(float(jan1) + 0.9), jan1)
        self.assertEqual(custseg.parse_time("1/2/2024 0:00"), jan1 + 86400)
        with self.assertRaises(custseg.InvalidArgumentError):
            custseg.to_seconds("not a date")
        with self.assertRaises(TypeError):
            custseg.to_seconds(True)

    def test_amounts(self):
        self.assertEqual(custseg.to_e4(12), 120000)
        self.assertEqual(custseg.to_e4(Decimal("49.99")), 499900)
        self.assertEqual(custseg.to_e4(Decimal("0.00005")), 0)  # half even
        self.assertEqual(custseg.to_e4(Decimal("0.00015")), 2)
        self.assertEqual(custseg.to_e4("100.125"), 1001250)
        self.assertEqual(custseg.to_e4("-7"), -70000)
        self.assertEqual(custseg.to_e4(0.1), 1000)
        self.assertEqual(custseg.to_e4(Fraction(1, 3)), 3333)
        self.assertEqual(custseg.parse_amount("1e3"), Decimal("1000"))
        self.assertEqual(custseg.from_e4(1001250), Decimal("100.125"))
        with self.assertRaises(custseg.InvalidArgumentError):
            custseg.to_e4("12,5")
        with self.assertRaises(ValueError):
            custseg.to_e4(float("nan"))
        with self.assertRaises(ValueError):
            custseg.to_e4(10**16)


class TestErrors(unittest.TestCase):
    def test_hierarchy(self):
        self.assertTrue(issubclass(custseg.InvalidArgumentError, ValueError))
        self.assertTrue(issubclass(custseg.NotFoundError, LookupError))
        self.assertTrue(issubclass(custseg.FileError, OSError))
        self.assertTrue(issubclass(custseg.OutOfMemoryError, MemoryError))
        for cls in (custseg.ParseError, custseg.MisuseError,
                    custseg.RangeError, custseg.CanceledError,
                    custseg.NoDataError, custseg.LimitError,
                    custseg.CallbackError):
            self.assertTrue(issubclass(cls, custseg.Error))

    def test_message_from_the_handle(self):
        with custseg.Dataset() as ds:
            with self.assertRaises(custseg.NotFoundError) as cm:
                ds.set(no_such_option=1)
            self.assertEqual(cm.exception.status, -5)
            self.assertEqual(cm.exception.code, "CUSTSEG_ENOTFOUND")
            self.assertIn("no_such_option", str(cm.exception))
            self.assertEqual(ds.errmsg, str(cm.exception))
        with self.assertRaises(custseg.InvalidArgumentError) as cm:
            custseg.Strategy("rfm", bins=11)
        self.assertIn("bins", str(cm.exception))
        with self.assertRaises(custseg.NotFoundError):
            custseg.Strategy("no-such-strategy")

    def test_no_data(self):
        with custseg.Dataset() as ds, self.assertRaises(custseg.NoDataError):
            custseg.run("rfm", ds)


class TestHandles(unittest.TestCase):
    def test_close_and_reuse(self):
        ds = tx_dataset()
        ds.close()
        ds.close()  # twice is fine
        self.assertTrue(ds.closed)
        with self.assertRaises(custseg.MisuseError):
            ds.freeze()
        self.assertEqual(repr(ds), "<custseg.Dataset closed>")

    def test_result_outlives_dataset_and_strategy(self):
        with tx_dataset() as ds, custseg.Strategy("rfm") as s:
            r = s.run(ds)
        del ds, s
        gc.collect()
        self.assertEqual(r.customers, 5)
        self.assertEqual(r.find("e").segment, "Loyal Customers")

    def test_segments_and_iterators_die_with_result(self):
        with tx_dataset() as ds:
            r = custseg.run("rfm", ds)
        it = iter(r)
        seg = next(it)
        r.close()
        with self.assertRaises(custseg.MisuseError):
            next(it)
        with self.assertRaises(custseg.MisuseError):
            seg.count

    def test_finalizers_free_everything(self):
        # Many handles dropped without close(): no growth, no crash.
        for _ in range(200):
            ds = tx_dataset()
            r = custseg.run("decile", ds)
            list(r)
            del ds, r
        gc.collect()

    def test_frozen_dataset_refuses_rows(self):
        with tx_dataset() as ds:
            ds.freeze()
            self.assertTrue(ds.frozen)
            with self.assertRaises(custseg.MisuseError):
                ds.add("z", None, 0, 1)


ALLOCATOR_SCRIPT = r"""
import ctypes, sys
sys.path.insert(0, sys.argv[1])
import custseg
libc = ctypes.CDLL(None)
libc.malloc.restype = libc.realloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
live = {}
def alloc(n):
    p = libc.malloc(n); live[p] = n; return p
def realloc(p, n):
    live.pop(p, None); q = libc.realloc(p, n); live[q] = n; return q
def free(p):
    live.pop(p); libc.free(p)
custseg.set_allocator(alloc, realloc, free)
ds = custseg.Dataset()
ds.add("a", None, 0, 1)
r = custseg.run("rfm", ds)
assert live, "the hooks were not used"
ds.close(); r.close()
assert not live, live
try:
    custseg.set_allocator()
except custseg.MisuseError:
    print("ok")
"""


class TestAllocator(unittest.TestCase):
    def test_hooks_in_a_fresh_process(self):
        out = subprocess.run(
            [sys.executable, "-c", ALLOCATOR_SCRIPT,
             str(ROOT / "bindings" / "python")],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_too_late(self):
        with tx_dataset():
            pass
        with self.assertRaises(custseg.MisuseError):
            custseg.set_allocator()


if __name__ == "__main__":
    unittest.main()
