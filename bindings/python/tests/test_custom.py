"""Custom strategies written in Python (custseg_register_strategy)."""
import gc
import threading
import unittest
from decimal import Decimal

from support import custseg, need_numpy, tx_dataset

if not custseg.HAVE_CUSTOM_STRATEGIES:
    raise unittest.SkipTest("this libcustseg has no custom strategies")


class TestCustom(unittest.TestCase):
    def tearDown(self):
        for name in ("py_big", "py_vec", "py_bad", "py_lazy", "py_dec",
                     "py_pairs", "py_gone"):
            try:
                custseg.unregister_strategy(name)
            except LookupError:
                pass

    def test_returned_names(self):
        @custseg.register_strategy("py_big")
        def big(customers):
            return ["Big" if c.monetary >= 25 else "Small"
                    for c in customers]
        self.assertTrue(callable(big))
        with tx_dataset() as ds:
            r = custseg.run("py_big", ds)
        self.assertEqual(r.strategy, "py_big")
        self.assertEqual([(s.name, s.count) for s in r],
                         [("Small", 2), ("Big", 3)])
        self.assertEqual(list(r["Big"].members()), ["b", "c", "e"])
        e = r.find("e")
        self.assertEqual((e.segment, e.monetary, e.recency, e.frequency),
                         ("Big", Decimal("100.125"), 4, 1))
        self.assertEqual(e.score, 100.125)  # default score: monetary
        self.assertEqual(r.fields, ("recency", "frequency", "monetary"))
        self.assertEqual(r["Big"].revenue, Decimal("155.625"))
        self.assertEqual(r.to_csv().splitlines()[0],
                         "customer_id,recency,frequency,monetary,score,"
                         "segment")

    def test_context_methods(self):
        seen = {}

        def lazy(a):
            seen["n"] = len(a)
            seen["ids"] = a.ids
            seen["first"] = a[0]
            seen["freq"] = a.frequency
            seen["rec"] = a.metric("recency")
            a.define("Recent")
            a.define("Old")
            for row in range(len(a)):
                a.set(row, "Recent" if a.recency[row] <= 3 else 1,
                      score=float(row))
            seen["ctx"] = a
        custseg.register_strategy("py_lazy", lazy)
        with tx_dataset() as ds:
            r = custseg.run("py_lazy", ds, as_of="2024-01-08")
        self.assertEqual(seen["n"], 5)
        self.assertEqual(seen["ids"], list("abcde"))
        self.assertEqual(seen["first"], custseg.Customer(0, "a", 7, 1,
                                                         Decimal(10)))
        self.assertEqual(seen["freq"], [1, 2, 1, 3, 1])
        self.assertEqual(seen["rec"], [7, 5, 3, 1, 4])
        self.assertEqual([s.count for s in r], [2, 3])
        self.assertEqual(r.find("d").score, 3.0)
        with self.assertRaises(custseg.MisuseError):
            seen["ctx"].define("late")

    def test_numpy_vectorized(self):
        np = need_numpy()

        def vec(a):
            m = a.metric("monetary", numpy=True)
            self.assertEqual(m.dtype, np.int64)
            a.define("Low")
            a.define("High")
            a.set_all((m >= 250000).astype(np.uint32), scores=m / 1e4)
        custseg.register_strategy("py_vec", vec)
        with tx_dataset() as ds:
            r = custseg.run("py_vec", ds)
        self.assertEqual([(s.name, s.count) for s in r],
                         [("Low", 2), ("High", 3)])
        self.assertAlmostEqual(r["High"].stat("score_mean"),
                               (25.5 + 30 + 100.125) / 3)

        def names(a):
            return np.where(a.metric("frequency", numpy=True) > 1,
                            "Repeat", "Once")
        custseg.register_strategy("py_dec", names)
        with tx_dataset() as ds:
            r = custseg.run("py_dec", ds)
        self.assertEqual([(s.name, s.count) for s in r],
                         [("Once", 3), ("Repeat", 2)])

    def test_pairs_with_scores(self):
        custseg.register_strategy(
            "py_pairs", lambda a: [("All", c.frequency * 10) for c in a])
        with tx_dataset() as ds:
            r = custseg.run("py_pairs", ds)
        self.assertEqual(r["All"].stat("score_max"), 30.0)

    def test_exceptions_propagate(self):
        class Oops(Exception):
            pass

        def bad(a):
            raise Oops("bad strategy")
        custseg.register_strategy("py_bad", bad)
        with tx_dataset() as ds, custseg.Strategy("py_bad") as s:
            with self.assertRaises(Oops) as cm:
                s.run(ds)
            self.assertIsInstance(cm.exception.__cause__,
                                  custseg.CallbackError)
            self.assertIn("Oops: bad strategy", s.errmsg)
            # a row left without segment is the library's error
            def skip_rows(a):
                a.define("X")
            custseg.register_strategy("py_bad", skip_rows, replace=True)
            with custseg.Strategy("py_bad") as s2, \
                    self.assertRaises(custseg.InvalidArgumentError) as cm:
                s2.run(ds)
            self.assertIn("no segment", str(cm.exception))

            def error(a):
                a.error("told to fail")
            custseg.register_strategy("py_bad", error, replace=True)
            with self.assertRaises(custseg.CallbackError) as cm:
                custseg.run("py_bad", ds)
            self.assertEqual(str(cm.exception), "told to fail")

    def test_registry(self):
        custseg.register_strategy("py_gone", lambda a: ["A"] * len(a))
        with self.assertRaises(custseg.MisuseError):
            custseg.register_strategy("py_gone", lambda a: None)
        with self.assertRaises(custseg.MisuseError):
            custseg.register_strategy("rfm", lambda a: None)
        with self.assertRaises(custseg.InvalidArgumentError):
            custseg.register_strategy("bad name!", lambda a: None)
        s = custseg.Strategy("py_gone")
        self.assertEqual(set(s.options), {"as_of", "threads"})
        custseg.unregister_strategy("py_gone")
        with self.assertRaises(custseg.NotFoundError):
            custseg.unregister_strategy("py_gone")
        with self.assertRaises(custseg.NotFoundError):
            custseg.Strategy("py_gone")
        gc.collect()
        with tx_dataset() as ds:  # the handle keeps the callable alive
            self.assertEqual(s.run(ds)["A"].count, 5)
        key_count = len(custseg.strategy._registry)
        s.close()  # last reference: destroy() drops the callable
        self.assertEqual(len(custseg.strategy._registry), key_count - 1)

    def test_concurrent_runs(self):
        custseg.register_strategy(
            "py_big", lambda a: ["B" if c.frequency > 1 else "S" for c in a])
        out = []
        with tx_dataset() as ds:
            ds.freeze()

            def work():
                out.append(custseg.run("py_big", ds).to_csv())
            ts = [threading.Thread(target=work) for _ in range(6)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        self.assertEqual(len(set(out)), 1)
        self.assertEqual(len(out), 6)


if __name__ == "__main__":
    unittest.main()
