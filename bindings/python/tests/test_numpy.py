"""Bulk columns from numpy arrays and pandas DataFrames (skipped when those
are not installed): every id/time/amount representation gives the same
dataset as the hand-computed case."""
import unittest
from decimal import Decimal

from support import RFM_CSV, TX_ROWS, custseg, need_numpy, need_pandas


def columns():
    c, o, t, a = (list(x) for x in zip(*TX_ROWS))
    return c, o, t, a


def rfm(ds):
    return custseg.run("rfm", ds).to_csv()


class TestNumpy(unittest.TestCase):
    def setUp(self):
        self.np = need_numpy()

    def times(self):
        c, o, t, a = columns()
        return self.np.array(t, dtype="datetime64[D]")

    def test_unicode_and_bytes_arrays(self):
        np = self.np
        c, o, t, a = columns()
        for cust, order in ((np.array(c), np.array(o)),
                            (np.array(c, dtype="S"), np.array(o, dtype="S")),
                            (np.array(c, dtype=object), np.array(o))):
            with custseg.Dataset() as ds:
                ds.add_columns(customer=cust, order=order,
                               time=self.times(),
                               amount=np.array(a, dtype=np.float64))
                self.assertEqual(rfm(ds), RFM_CSV, cust.dtype)

    def test_variable_widths_and_non_ascii(self):
        np = self.np
        ids = np.array(["", "x", "Zoë", "李雷李雷", "😀a", "plain-long-id"])[1:]
        with custseg.Dataset() as ds:
            ds.add_columns(ids, None, np.zeros(5, np.int64),
                           np.arange(1, 6))
            r = custseg.run("decile", ds)
        self.assertEqual(sorted(r.find(i).monetary for i in ids.tolist()),
                         [Decimal(k) for k in range(1, 6)])
        self.assertEqual(r.find("李雷李雷").monetary, Decimal(3))
        self.assertEqual(r.find("😀a").monetary, Decimal(4))
        self.assertEqual({row.customer for row in r.rows()},
                         set(ids.tolist()))
        with custseg.Dataset() as ds, self.assertRaises(ValueError):
            ds.add_columns(np.array(["a\0b"]), None, [0], [1])
        with custseg.Dataset() as ds, \
                self.assertRaises(custseg.InvalidArgumentError):
            ds.add_columns(np.array(["a", ""]), None, [0, 0], [1, 1])

    def test_integer_keys(self):
        np = self.np
        keys = np.array([7, 7, 3], dtype=np.int32)
        with custseg.Dataset() as ds:
            ds.add_columns(keys, np.array([1, 2, 3], np.uint16),
                           np.array([0, 86400, 0]),
                           amount_fixed=np.array([1, 2, 3]))
            r = custseg.run("rfm", ds)
        self.assertEqual(r.find("7").frequency, 2)
        self.assertEqual(r.find("7").monetary, Decimal("0.0003"))
        # integer customers with string orders: both as text
        with custseg.Dataset() as ds:
            ds.add_columns(keys, np.array(["o1", "o1", "o2"]),
                           np.array([0, 0, 0]), np.array([1, 2, 3]))
            self.assertEqual(custseg.run("rfm", ds).find("7").frequency, 1)

    def test_amount_types(self):
        np = self.np
        c = np.array(["a", "b"])
        t = np.array([0, 0])
        for amounts, want in ((np.array([1, -2]), ["1", "-2"]),
                              (np.array([0.00005, 1.23456]),
                               ["0", "1.2346"]),
                              (np.array(["1.5", "2"]), ["1.5", "2"]),
                              (np.array([Decimal("0.1"), 3], dtype=object),
                               ["0.1", "3"])):
            with custseg.Dataset() as ds:
                ds.add_columns(c, None, t, amounts)
                r = custseg.run("decile", ds)
            self.assertEqual([r.find("a").monetary, r.find("b").monetary],
                             [Decimal(w) for w in want], amounts.dtype)
        with custseg.Dataset() as ds:
            with self.assertRaises(ValueError):
                ds.add_columns(c, None, t, np.array([2**62, 1]))
            with self.assertRaises(custseg.InvalidArgumentError) as cm:
                ds.add_columns(c, None, t, np.array([1.0, np.nan]))
            self.assertIn("1", str(cm.exception))

    def test_time_types(self):
        np = self.np
        c = np.array(["a", "b"])
        jan1 = 1704067200
        for times in (np.array([jan1, jan1 + 86400]),
                      np.array(["2024-01-01", "2024-01-02T00:00:00Z"]),
                      np.array(["2024-01-01T00", "2024-01-02T00"],
                               dtype="datetime64[h]"),
                      np.array([jan1 + 0.5, jan1 + 86400.25])):
            with custseg.Dataset() as ds:
                ds.add_columns(c, None, times, np.array([1.0, 1.0]))
                r = custseg.run("rfm", ds)
            self.assertEqual((r.find("a").recency, r.find("b").recency),
                             (2, 1), times.dtype)
        with custseg.Dataset() as ds, self.assertRaises(ValueError):
            ds.add_columns(c, None, np.array(["2024-01-01", "NaT"],
                                             dtype="datetime64[s]"), [1, 1])

    def test_many_rows_match_the_list_path(self):
        np = self.np
        rng = np.random.default_rng(7)
        n = 20000
        cust = np.char.add("c", rng.integers(0, 500, n).astype("U"))
        cust[::7] = np.char.add("ü李", cust[::7])  # some UTF-8, some not
        order = np.char.add("o", (np.arange(n) // 3).astype("U"))
        times = rng.integers(1_600_000_000, 1_700_000_000, n)
        amounts = np.round(rng.random(n) * 100, 2)
        with custseg.Dataset() as a, custseg.Dataset() as b:
            a.add_columns(cust, order, times, amounts)
            b.add_columns(cust.tolist(), order.tolist(), times.tolist(),
                          amounts.tolist())
            self.assertEqual(rfm(a), rfm(b))
            self.assertEqual(a.customers, len(set(cust.tolist())))
        long_ids = np.array(["x" * 300 + str(i) for i in range(50)])
        with custseg.Dataset() as ds:
            ds.add_columns(long_ids, None, np.zeros(50, np.int64),
                           np.ones(50))
            r = custseg.run("decile", ds)
            self.assertEqual(r.find("x" * 300 + "49").monetary, 1)


class TestPandas(unittest.TestCase):
    def setUp(self):
        self.pd = need_pandas()

    def frame(self):
        c, o, t, a = columns()
        return self.pd.DataFrame({"id": c, "order": o,
                                  "when": self.pd.to_datetime(t),
                                  "amount": [float(x) for x in a]})

    def test_frame(self):
        with custseg.Dataset.from_frame(self.frame(), customer="id",
                                        order="order", time="when",
                                        amount="amount") as ds:
            self.assertEqual(rfm(ds), RFM_CSV)

    def test_tz_aware_times_and_categoricals(self):
        df = self.frame()
        df["when"] = df["when"].dt.tz_localize("UTC").dt.tz_convert(
            "America/New_York")
        df["id"] = df["id"].astype("category")
        with custseg.Dataset() as ds:
            ds.add_frame(df, customer="id", order="order", time="when",
                         amount="amount")
            self.assertEqual(rfm(ds), RFM_CSV)

    def test_quantity_and_price(self):
        pd = self.pd
        df = pd.DataFrame({"id": ["a", "b"], "t": [0, 0], "q": [3, 1],
                           "p": [0.3333, 2.0]})
        with custseg.Dataset() as ds:
            ds.add_frame(df, customer="id", time="t", quantity="q",
                         price="p")
            r = custseg.run("decile", ds)
        self.assertEqual(r.find("a").monetary, Decimal("0.9999"))
        with custseg.Dataset() as ds, self.assertRaises(TypeError):
            ds.add_frame(df, customer="id", time="t", quantity="q")

    def test_nullable_and_object_columns(self):
        pd = self.pd
        df = pd.DataFrame({"id": pd.array([1, 2], dtype="Int64"),
                           "t": ["2024-01-01", "2024-01-02"],
                           "a": [Decimal("1.25"), Decimal("2")]})
        with custseg.Dataset() as ds:
            ds.add_frame(df, customer="id", time="t", amount="a")
            r = custseg.run("rfm", ds)
        self.assertEqual(r.find("1").monetary, Decimal("1.25"))


if __name__ == "__main__":
    unittest.main()
