"""R rfm 0.3.0 golden outputs (../shared/data/rfm; skipped when absent):
the same checks as tests/check_golden_rfm.c, through the binding."""
import csv
import unittest
from decimal import Decimal

from support import custseg, data_path

ORDERS_MAP = {"customer": "customer_id", "time": "order_date",
              "amount": "revenue"}


def golden(rel):
    with open(data_path(rel), newline="") as f:
        return list(csv.DictReader(f))


class TestGoldenOrders(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ds = custseg.Dataset.from_csv(
            data_path("rfm/rfm_data_orders.csv"), columns=ORDERS_MAP)

    @classmethod
    def tearDownClass(cls):
        cls.ds.close()

    def run_rfm(self, segments=None):
        return custseg.run("rfm", self.ds, binning="quantile",
                           as_of="2006-12-31", segments=segments)

    def test_load_report(self):
        self.assertEqual(self.ds.report.read, 4906)
        self.assertEqual(self.ds.report.accepted, 4906)
        self.assertEqual(self.ds.customers, 995)

    def test_thresholds_and_score_counts(self):
        r = self.run_rfm()
        edges = {"recency": [1, 115, 181, 297.4, 482, 977],
                 "frequency": [1, 4, 5, 6, 8, 15],
                 "monetary": [12, 255.8, 382, 506.4, 666, 1489]}
        counts = {"r": [197, 200, 199, 199, 200],
                  "f": [268, 187, 176, 244, 120],
                  "m": [200, 200, 198, 202, 195]}
        for v, e in edges.items():
            for i in range(5):
                score = 5 - i if v == "recency" else i + 1
                lo, hi = r.threshold(v, score)
                self.assertAlmostEqual(lo, e[i], places=9)
                self.assertAlmostEqual(hi, e[i + 1], places=9)
        rows = list(r.rows())
        for k, want in counts.items():
            got = [sum(1 for x in rows if getattr(x, k) == s)
                   for s in range(1, 6)]
            self.assertEqual(got, want, k)

    def test_readme_segments(self):
        r = self.run_rfm(data_path("rfm/segments_readme.csv"))
        want = golden("rfm/golden_rfm_table_order_2006-12-31_readme_"
                      "segments.csv")
        self.assertEqual(len(want), r.customers)
        for g in want:
            row = r.find(g["customer_id"])
            self.assertEqual(row.segment, g["segment"], g["customer_id"])
            self.assertEqual(100 * row.r + 10 * row.f + row.m,
                             int(g["rfm_score"]))
            self.assertEqual(row.frequency, int(g["transaction_count"]))
            self.assertEqual(row.recency, int(g["recency_days"]))
            self.assertEqual(row.monetary, Decimal(g["amount"]))
        self.assertEqual(r["Others"].count, 0)

    def test_test_segments(self):
        r = self.run_rfm(data_path("rfm/segments_test.csv"))
        for g in golden("rfm/golden_rfm_table_order_2006-12-31_test_"
                        "segments.csv"):
            self.assertEqual(r.find(g["customer_id"]).segment, g["segment"])
        self.assertEqual(r["Others"].count, 48)
        champions = r["Champions"]
        self.assertEqual(champions.count, 158)
        self.assertEqual(sum(x.frequency for x in champions.rows()), 1234)
        self.assertEqual(champions.revenue, Decimal(120178))


class TestGoldenCustomers(unittest.TestCase):
    def test_customer_summaries(self):
        with custseg.Dataset.from_csv(
                data_path("rfm/rfm_data_customer.csv"),
                columns={"customer": "customer_id",
                         "recency": "recency_days",
                         "frequency": "number_of_orders",
                         "monetary": "revenue"}) as ds:
            r = custseg.run("rfm", ds, binning="quantile",
                            as_of="2007-01-01")
        want = golden("rfm/golden_rfm_table_customer_2007-01-01.csv")
        self.assertEqual(r.customers, len(want))
        for g in want:
            row = r.find(g["customer_id"])
            self.assertEqual((row.r, row.f, row.m),
                             (int(g["recency_score"]),
                              int(g["frequency_score"]),
                              int(g["monetary_score"])), g["customer_id"])


if __name__ == "__main__":
    unittest.main()
