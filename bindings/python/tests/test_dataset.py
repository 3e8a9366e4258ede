"""Filling datasets: rows, columns, CSV, summaries, options, progress."""
import datetime as dt
import os
import tempfile
import unittest
from decimal import Decimal

from support import MAP, RFM_CSV, TX_CSV, TX_ROWS, custseg


def rfm_csv(ds, **options):
    with custseg.Strategy("rfm", **options) as s:
        return s.run(ds).to_csv()


class TestRows(unittest.TestCase):
    def test_list_of_tuples(self):
        with custseg.Dataset.from_rows(TX_ROWS) as ds:
            self.assertEqual((ds.customers, ds.transactions), (5, 8))
            self.assertEqual(rfm_csv(ds), RFM_CSV)

    def test_generator_of_dicts_and_python_types(self):
        def rows():
            for c, o, t, a in TX_ROWS:
                yield {"customer": c, "order": int(o),
                       "time": dt.date.fromisoformat(t),
                       "amount": Decimal(a)}
        with custseg.Dataset.from_rows(rows()) as ds:
            self.assertEqual(rfm_csv(ds), RFM_CSV)

    def test_add_one_by_one(self):
        with custseg.Dataset() as ds:
            for c, o, t, a in TX_ROWS:
                ds.add(c, o, t, a, category="books")
            self.assertEqual(rfm_csv(ds), RFM_CSV)

    def test_rows_with_category_or_some_orders(self):
        rows = [r + ("x",) for r in TX_ROWS]
        with custseg.Dataset.from_rows(rows) as ds:
            self.assertEqual(ds.transactions, 8)
        rows = [("a", None, 0, 1), ("a", "o1", 86400, 2)]
        with custseg.Dataset.from_rows(rows) as ds:
            r = custseg.run("rfm", ds)
            self.assertEqual(r.find("a").frequency, 2)

    def test_no_order_means_one_order_per_row(self):
        rows = [(c, None, t, a) for c, _, t, a in TX_ROWS]
        with custseg.Dataset.from_rows(rows) as ds:
            r = custseg.run("rfm", ds)
        self.assertEqual(r.find("d").frequency, 3)

    def test_bad_row_names_the_row_and_adds_nothing(self):
        rows = list(TX_ROWS) + [("", "9", "2024-01-01", "1")]
        with custseg.Dataset() as ds:
            with self.assertRaises(custseg.InvalidArgumentError) as cm:
                ds.add_rows(rows)
            self.assertIn("8", str(cm.exception))
            self.assertEqual(ds.transactions, 0)

    def test_columns_from_lists(self):
        cols = list(zip(*TX_ROWS))
        with custseg.Dataset() as ds:
            ds.add_columns(customer=list(cols[0]), order=list(cols[1]),
                           time=list(cols[2]), amount=list(cols[3]))
            self.assertEqual(rfm_csv(ds), RFM_CSV)

    def test_columns_integer_keys_and_fixed_amounts(self):
        with custseg.Dataset() as ds:
            ds.add_columns(customer=[10, 10, 2], order=None,
                           time=[0, 86400, 86400],
                           amount_fixed=[10000, 25000, 5])
            r = custseg.run("rfm", ds)
        self.assertEqual(r.find("10").monetary, Decimal("3.5"))
        self.assertEqual(r.find("2").monetary, Decimal("0.0005"))

    def test_float_amounts_round_half_even(self):
        with custseg.Dataset() as ds:
            ds.add_columns(["a", "b"], None, [0, 0], [0.00005, 1.23456])
            r = custseg.run("decile", ds)
        self.assertEqual(r.find("a").monetary, Decimal("0.0000"))
        self.assertEqual(r.find("b").monetary, Decimal("1.2346"))

    def test_column_errors(self):
        with custseg.Dataset() as ds:
            with self.assertRaises(ValueError):
                ds.add_columns(["a", "b"], None, [0], [1, 2])
            with self.assertRaises(TypeError):
                ds.add_columns(["a"], None, [0], [1], amount_fixed=[1])
            with self.assertRaises(ValueError):
                ds.add_columns(["a\0b"], None, [0], [1])
            with self.assertRaises(ValueError):
                ds.add_columns([None], None, [0], [1])

    def test_unicode_ids(self):
        ids = ["Zoë", "李雷", "😀", "plain"]
        with custseg.Dataset() as ds:
            ds.add_columns(ids, None, [0] * 4, [1, 2, 3, 4])
            r = custseg.run("decile", ds)
        self.assertEqual(sorted(ids, key=lambda s: s.encode()),
                         [row.customer for row in r.rows()])
        self.assertEqual(r.find("😀").decile, 2)


class TestCsv(unittest.TestCase):
    def test_path_bytes_and_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tx.csv")
            with open(path, "w") as f:
                f.write(TX_CSV)
            with custseg.Dataset.from_csv(path, columns=MAP) as ds:
                self.assertEqual(rfm_csv(ds), RFM_CSV)
            from pathlib import Path
            with custseg.Dataset() as ds:
                ds.map(MAP)
                ds.load_csv(Path(path))
                self.assertEqual(ds.report.accepted, 8)
            with open(path, "rb") as f, custseg.Dataset() as ds:
                ds.map(**MAP).load_csv(f)
                self.assertEqual(rfm_csv(ds), RFM_CSV)
        with custseg.Dataset() as ds:
            report = ds.map(MAP).load_csv(TX_CSV.encode())
            self.assertEqual((report.read, report.accepted), (8, 8))
            self.assertEqual(report.total_rejected, 0)

    def test_report_of_rejects(self):
        data = ("customer,order,time,amount\na,1,2024-01-01,1\n"
                ",2,2024-01-01,1\nb,3,notadate,1\nc,4,2024-01-02,x\n")
        with custseg.Dataset() as ds:
            report = ds.map(MAP).load_csv_buffer(data, name="bad.csv")
        self.assertEqual((report.read, report.accepted), (4, 1))
        self.assertEqual(report.rejected["missing customer"], 1)
        self.assertEqual(report.lines["missing customer"], [3])
        self.assertEqual(report.rejected["bad date"], 1)
        self.assertEqual(report.lines["bad date"], [4])
        self.assertEqual(report.lines["bad number"], [5])
        self.assertEqual(report.total_rejected, 3)
        self.assertIn("missing customer: 1 (lines 3)", str(report))
        self.assertGreaterEqual(len(custseg.REJECT_REASONS), 6)
        self.assertEqual(custseg.REJECT_REASONS[0], "missing customer")

    def test_errors_carry_file_line_and_field(self):
        with custseg.Dataset() as ds:
            ds.map(customer="nope", time="time", amount="amount")
            with self.assertRaises(custseg.ParseError) as cm:
                ds.load_csv_buffer(TX_CSV, name="tx.csv")
            self.assertIn("nope", str(cm.exception))
            self.assertIn("tx.csv", str(cm.exception))
        with custseg.Dataset() as ds, \
                self.assertRaises(custseg.FileError) as cm:
            ds.map(MAP).load_csv("/nonexistent/tx.csv")
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("/nonexistent/tx.csv", str(cm.exception))
        with custseg.Dataset() as ds, self.assertRaises(custseg.NotFoundError):
            ds.map(who="customer")

    def test_options_by_position_and_whitespace(self):
        data = "  a 20240101 10.00\n  b 20240102  5\n"
        with custseg.Dataset(header=False, delimiter="whitespace") as ds:
            ds.map(customer=1, time=2, amount=3)
            self.assertEqual(ds.load_csv(data.encode()).accepted, 2)
            with custseg.Strategy("decile") as s:
                r = s.run(ds)
        self.assertEqual(r.find("a").value, Decimal("10"))

    def test_drop_returns_and_threads(self):
        data = TX_CSV + "a,9,2024-01-02,-5\n"
        with custseg.Dataset(drop_returns=True, threads=2) as ds:
            report = ds.map(MAP).load_csv(data.encode())
            self.assertEqual(report.rejected["return dropped"], 1)
            self.assertEqual(rfm_csv(ds), RFM_CSV)
        with self.assertRaises(custseg.InvalidArgumentError):
            custseg.Dataset(threads=0)
        with self.assertRaises(TypeError):
            custseg.Dataset(threads=1.5)

    def test_quantity_and_price(self):
        data = "id,when,q,p\na,2024-01-01,3,0.3333\nb,2024-01-01,1,2\n"
        with custseg.Dataset() as ds:
            ds.map(customer="id", time="when", quantity="q", price="p")
            ds.load_csv(data.encode())
            r = custseg.run("decile", ds)
        self.assertEqual(r.find("a").monetary, Decimal("0.9999"))


class TestProgress(unittest.TestCase):
    def big(self):
        lines = ["customer,order,time,amount"]
        lines += [f"c{i % 50},{i},2024-01-01,1" for i in range(200000)]
        return ("\n".join(lines) + "\n").encode()

    def test_fractions_and_cancel(self):
        seen = []
        with custseg.Dataset(progress=seen.append) as ds:
            ds.map(MAP).load_csv(self.big())
            self.assertEqual(ds.report.accepted, 200000)
        self.assertEqual(seen[-1], 1.0)
        self.assertEqual(seen, sorted(seen))
        with custseg.Dataset(progress=lambda f: True) as ds:
            with self.assertRaises(custseg.CanceledError):
                ds.map(MAP).load_csv(self.big())
            self.assertEqual(ds.transactions, 0)

    def test_exception_propagates(self):
        class Stop(Exception):
            pass

        def boom(fraction):
            raise Stop("from the callback")
        with custseg.Dataset() as ds:
            ds.progress = boom
            self.assertIs(ds.progress, boom)
            with self.assertRaises(Stop) as cm:
                ds.map(MAP).load_csv(self.big())
            self.assertIsInstance(cm.exception.__cause__,
                                  custseg.CanceledError)
            ds.progress = None
            ds.load_csv(self.big())
            self.assertEqual(ds.transactions, 200000)


class TestSummaries(unittest.TestCase):
    def test_customers(self):
        with custseg.Dataset() as ds:
            ds.add_customers([("x", 10, 2, "100.50"),
                              {"customer": "y", "recency": 1,
                               "frequency": 9, "monetary": 7}])
            ds.add_customer("z", 400, 1, Decimal("5"))
            with self.assertRaises(custseg.InvalidArgumentError):
                ds.add_customer("z", 1, 1, 1)
            with self.assertRaises(custseg.MisuseError):
                ds.add("t", None, 0, 1)
            r = custseg.run("rfm", ds, bins=3)
        x = r.find("x")
        self.assertEqual((x.recency, x.frequency, x.monetary),
                         (10, 2, Decimal("100.5")))
        self.assertEqual((r.find("y").r, r.find("z").r), (3, 1))
        self.assertGreater(ds.memory_bytes if not ds.closed else 1, 0)

    def test_memory_and_repr(self):
        with custseg.Dataset.from_rows(TX_ROWS) as ds:
            self.assertGreater(ds.memory_bytes, 0)
            self.assertEqual(repr(ds),
                             "<custseg.Dataset 5 customers, 8 transactions>")


if __name__ == "__main__":
    unittest.main()
