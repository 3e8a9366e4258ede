"""Running strategies and reading results: the hand-computed case of
tests/cli.sh, segments, rows, thresholds and exports."""
import io
import json
import math
import os
import tempfile
import unittest
from decimal import Decimal

from support import (DECILE_CSV, RFM_CSV, TX_ROWS, custseg, need_pandas,
                     tx_dataset)


class TestRfm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tx_dataset() as ds:
            cls.r = custseg.run("rfm", ds)

    def test_csv_matches_cli(self):
        self.assertEqual(self.r.to_csv(), RFM_CSV)

    def test_rows(self):
        rows = list(self.r.rows())
        self.assertEqual([r.customer for r in rows], list("abcde"))
        b = rows[1]
        self.assertEqual(b.segment, "At Risk")
        self.assertEqual((b.recency, b.frequency, b.monetary),
                         (5, 2, Decimal("25.5")))
        self.assertEqual((b.r, b.f, b.m, b.score), (2, 4, 3, 9.0))
        self.assertEqual(self.r.fields,
                         ("recency", "frequency", "monetary", "r", "f", "m"))
        self.assertEqual(self.r.find("e").monetary, Decimal("100.125"))
        self.assertIsNone(self.r.find("zz"))
        self.assertIn("d", self.r)
        self.assertNotIn("zz", self.r)
        self.assertEqual(self.r.index_of("c"), 2)
        self.assertEqual(self.r.row(-1 % 5).customer, "e")
        with self.assertRaises(IndexError):
            self.r.row(5)

    def test_segments(self):
        r = self.r
        self.assertEqual(r.strategy, "rfm")
        self.assertEqual(len(r), 11)  # the default map, empty ones too
        self.assertEqual(r[0].name, "Champions")
        self.assertEqual(r[-1].name, "Lost")
        lost = r["Lost"]
        self.assertEqual((lost.count, len(lost), lost.index), (1, 1, 10))
        self.assertEqual(lost.revenue, Decimal("10"))
        self.assertAlmostEqual(lost.share, 0.2)
        total = Decimal("168.625")
        self.assertAlmostEqual(lost.revenue_share, float(10 / total))
        stats = lost.stats
        self.assertEqual(set(stats), set(custseg.STATS))
        self.assertEqual(stats["score_mean"], 4.0)
        self.assertEqual(stats["revenue"], 10.0)
        self.assertAlmostEqual(stats["cum_revenue_share"], 1.0)
        self.assertEqual(list(r["Potential Loyalist"].members()), ["d"])
        self.assertEqual([x.customer for x in r["At Risk"].rows()], ["b"])
        nonempty = [(s.name, s.count) for s in r if s.count]
        self.assertEqual(nonempty, [("Loyal Customers", 1),
                                    ("Potential Loyalist", 1),
                                    ("Promising", 1), ("At Risk", 1),
                                    ("Lost", 1)])
        with self.assertRaises(KeyError):
            r["Nope"]
        with self.assertRaises(IndexError):
            r[11]

    def test_iterator_reset(self):
        it = iter(self.r)
        first = [s.name for s in it]
        self.assertEqual(len(first), 11)
        it.reset()
        self.assertEqual(next(it).name, "Champions")
        it.close()

    def test_thresholds(self):
        self.assertEqual(self.r.bins, 5)
        t = self.r.thresholds
        self.assertEqual(t["monetary"][4], (100.125, 100.125))
        self.assertEqual(t["recency"][0], (7.0, 7.0))
        self.assertEqual(self.r.threshold("frequency", 5), (3.0, 3.0))
        with self.assertRaises(custseg.NotFoundError):
            self.r.threshold("frequency", 6)

    def test_exports(self):
        r = self.r
        doc = json.loads(r.to_json())
        self.assertEqual(doc["customers"], 5)
        self.assertEqual(doc["rows"][4]["segment"], "Loyal Customers")
        self.assertIn("Potential Loyalist", r.to_table())
        seg = r.to_segments_csv().splitlines()
        self.assertEqual(len(seg), 12)
        self.assertTrue(r.to_csv(decimals=4).splitlines()[5].startswith(
            "e,4,1,100.1250,"))
        with self.assertRaises(custseg.InvalidArgumentError):
            r.to_csv(decimals=5)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "out.csv")
            self.assertIsNone(r.to_csv(path))
            with open(path) as f:
                self.assertEqual(f.read(), RFM_CSV)
            with self.assertRaises(custseg.FileError):
                r.to_csv(os.path.join(tmp, "no", "such", "dir.csv"))
        text, binary = io.StringIO(), io.BytesIO()
        r.write("csv", text)
        r.write(0, binary)
        self.assertEqual(text.getvalue(), RFM_CSV)
        self.assertEqual(binary.getvalue(), RFM_CSV.encode())

    def test_writer_exception_propagates(self):
        class Full(io.StringIO):
            def write(self, s):
                raise OSError("disk full")
        with self.assertRaises(OSError) as cm:
            self.r.to_json(Full())
        self.assertEqual(str(cm.exception), "disk full")


class TestOptions(unittest.TestCase):
    def test_introspection_and_types(self):
        with custseg.Strategy("rfm") as s:
            opts = s.options
            self.assertEqual(opts["bins"], int)
            self.assertEqual(opts["as_of"], str)
            self.assertEqual(opts["binning"], str)
            s.set(bins=3, binning="quantile")
            import datetime as dt
            s["as_of"] = dt.date(2024, 1, 8)
            self.assertEqual(s.values["bins"], 3)
            self.assertIn("bins=3", repr(s))
            with self.assertRaises(TypeError):
                s["bins"] = "3"
            with self.assertRaises(custseg.NotFoundError):
                s.set(no_such=1)
            with self.assertRaises(custseg.InvalidArgumentError):
                s.set(binning="nope")
            with self.assertRaises(custseg.NotFoundError):
                s.set_double("no_such", 1.0)
            s.set_int("bins", 4)
            s.set_string("binning", "ntile")
            with tx_dataset() as ds:
                r = s.run(ds)
            self.assertEqual(r.bins, 4)

    def test_as_of_and_run_options(self):
        with tx_dataset() as ds:
            r = custseg.run("rfm", ds, as_of="2024-01-18")
            self.assertEqual(r.find("d").recency, 11)
            with custseg.Strategy("rfm") as s:
                r2 = custseg.run(s, ds, bins=2)
            self.assertEqual(r2.bins, 2)

    def test_segment_maps(self):
        with tx_dataset() as ds:
            r = custseg.run("rfm", ds, segments=[
                ("Top", {"r": (4, 5), "f": None, "m": (4, 5)}),
                ("Frequent", {"f": 5}),
                ("Exact", ["123", (1, 1, 2)]),
            ])
            self.assertEqual([s.name for s in r],
                             ["Top", "Frequent", "Exact", "Others"])
            self.assertEqual([s.count for s in r], [1, 1, 1, 2])
            self.assertEqual(r.find("a").segment, "Exact")
            csv_map = ("segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
                       "Everyone,1,5,1,5,1,5\n")
            with custseg.Strategy("rfm", segments=csv_map.encode()) as s:
                self.assertEqual([x.count for x in s.run(ds)], [5, 0])
                s.clear_segments()
                self.assertEqual(len(s.run(ds)), 11)
                s.add_segment("Lonely", codes="555")
                self.assertEqual(s.run(ds)["Others"].count, 5)
                with self.assertRaises(custseg.InvalidArgumentError):
                    s.add_segment("Bad", r=(0, 11))
                with self.assertRaises(custseg.ParseError):
                    s.add_segment("Bad", codes="5x5")
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "map.csv")
                with open(path, "w") as f:
                    f.write(csv_map)
                r = custseg.run("rfm", ds, segments=path)
                self.assertEqual(r["Everyone"].count, 5)

    def test_progress_of_runs(self):
        seen = []
        with tx_dataset() as ds:
            custseg.run("rfm", ds, progress=seen.append)
            self.assertTrue(seen and seen[-1] == 1.0)
            with self.assertRaises(custseg.CanceledError):
                custseg.run("rfm", ds, progress=lambda f: True)


class TestDecile(unittest.TestCase):
    def test_hand_computed(self):
        with tx_dataset() as ds:
            r = custseg.run("decile", ds)
        self.assertEqual(r.to_csv(decimals=3), DECILE_CSV)
        e = r.find("e")
        self.assertEqual((e.decile, e.value, e.segment), (1, Decimal("100.125"),
                                                          "1"))
        self.assertEqual(len(r), 10)
        self.assertEqual([s.count for s in r], [1] * 5 + [0] * 5)
        self.assertEqual(r.bins, 0)
        self.assertEqual(r.thresholds, {})
        self.assertAlmostEqual(r["1"].stat("lift"),
                               100.125 / (168.625 / 5))

    def test_value_that_is_a_count(self):
        with tx_dataset() as ds:
            r = custseg.run("decile", ds, metric="frequency")
        self.assertEqual(r.find("d").value, 3)
        self.assertIsInstance(r.find("d").value, int)
        self.assertEqual(r.find("d").decile, 1)

    def test_many_runs_of_one_frozen_dataset_in_threads(self):
        import threading
        out = []
        with tx_dataset() as ds:
            ds.freeze()

            def work():
                out.append(custseg.run("rfm", ds).to_csv())
            ts = [threading.Thread(target=work) for _ in range(8)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        self.assertEqual(out, [RFM_CSV] * 8)


class TestPandasOut(unittest.TestCase):
    def test_to_pandas(self):
        need_pandas()
        rows = TX_ROWS + [("NA", "9", "2024-01-02", "1")]
        with custseg.Dataset.from_rows(rows) as ds:
            r = custseg.run("rfm", ds)
        df = r.to_pandas()
        self.assertEqual(list(df.columns), ["customer_id", "recency",
                                            "frequency", "monetary", "r", "f",
                                            "m", "score", "segment"])
        self.assertEqual(df["customer_id"].tolist(),
                         ["NA", "a", "b", "c", "d", "e"])
        self.assertEqual(df.loc[5, "monetary"], 100.125)
        seg = r.to_pandas(segments=True)
        self.assertEqual(len(seg), len(r))
        self.assertEqual(int(seg["customers"].sum()), 6)
        self.assertFalse(math.isnan(df["score"].sum()))


if __name__ == "__main__":
    unittest.main()
