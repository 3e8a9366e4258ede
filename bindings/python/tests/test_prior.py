"""Attributes, events and the rules of the "prior" strategy, and the other
built-in strategies through the generic interface."""
import unittest
from decimal import Decimal

from support import TX_ROWS, custseg, need_numpy, tx_dataset

HAVE_PRIOR = custseg._ffi.has("custseg_strategy_add_rule")


def fixture():
    """The dataset of tests/check_rules.c (as_of 2024-03-01)."""
    ds = custseg.Dataset()
    ds.add_rows([("a", "o1", "2024-01-10", 100),
                 ("a", "o2", "2024-02-20T10:00:00", 50),
                 ("b", "o3", "2023-06-01", 1000),
                 ("c", "o4", "2024-02-28", 20),
                 ("c", "C5", "2024-02-28T18:00:00", -5),
                 ("e", "o6", "2024-01-01", 10)])
    for c, country in zip("abcd", ("UK", "DE", "FR", "United Kingdom")):
        ds.set_attribute(c, "country", country)
    ds.set_attributes("size", ["a", "b", "d"], [50, 500, 5])
    ds.add_event("c", "cart_add", "2024-02-27")
    return ds


@unittest.skipUnless(HAVE_PRIOR, "this libcustseg has no rules")
class TestPrior(unittest.TestCase):
    def setUp(self):
        self.ds = fixture()

    def tearDown(self):
        self.ds.close()

    def match(self, expr):
        r = custseg.run("prior", self.ds, as_of="2024-03-01",
                        rules=[("Y", expr)])
        return ",".join(r["Y"].members())

    def test_dataset_contents(self):
        self.assertEqual(self.ds.attributes, {"country": str, "size": float})
        self.assertEqual(self.ds.events, 1)
        self.assertEqual(self.ds.customers, 5)  # d is a prospect

    def test_rules(self):
        self.assertEqual(self.match("country = 'UK'"), "a")
        self.assertEqual(self.match("size <= 50"), "a,d")
        self.assertEqual(self.match("size is null"), "c,e")
        self.assertEqual(self.match("monetary between 15 and 150"), "a,c")
        self.assertEqual(self.match("events('cart_add', 3) = 1"), "c")
        self.assertEqual(self.match("country starts_with 'U'"), "a,d")

    def test_rule_files_and_errors(self):
        rules = "# tiers\nBig: monetary >= 500\nUK: country = 'UK'\n"
        with custseg.Strategy("prior", as_of="2024-03-01",
                              default_segment="Rest") as s:
            s.add_rules(rules.encode())
            r = s.run(self.ds)
            self.assertEqual([(x.name, x.count) for x in r],
                             [("Big", 1), ("UK", 1), ("Rest", 3)])
            with self.assertRaises(custseg.ParseError) as cm:
                s.add_rule("Z", "size > 5 5")
            self.assertEqual((cm.exception.line, cm.exception.column),
                             (1, 10))
            self.assertEqual(s.error_line, 1)
            with self.assertRaises(custseg.ParseError) as cm:
                s.load_rules_buffer("A: size > 1\nB: size >\n", name="r.txt")
            self.assertEqual(cm.exception.line, 2)
            self.assertIn("r.txt", str(cm.exception))

    def test_rfm_scores_in_rules(self):
        with tx_dataset() as ds:
            rfm = custseg.run("rfm", ds)
            r = custseg.run("prior", ds, rfm=rfm,
                            rules={"Top": "r_score >= 4",
                                   "Lost": "rfm_segment = 'Lost'"})
        self.assertEqual(list(r["Top"].members()), ["c", "d"])
        self.assertEqual(list(r["Lost"].members()), ["a"])

    def test_attribute_and_event_loaders(self):
        with tx_dataset() as ds:
            ds.load_customers_csv(b"id,country,size\na,UK,3\nz,FR,\n",
                                  {"id": "id", "country": "country",
                                   "size": "size"})
            report = ds.load_events_csv(
                b"who,what,when\na,visit,2024-01-02\nb,,2024-01-02\n",
                "customer=who,name=what,time=when")
            self.assertEqual((report.read, report.accepted), (2, 1))
            self.assertEqual(ds.attributes, {"country": str, "size": float})
            self.assertEqual(ds.events, 1)
            self.assertEqual(ds.customers, 6)
            r = custseg.run("prior", ds, rules={"UK": "country = 'UK'"},
                            default_segment="Other")
            self.assertEqual(list(r["UK"].members()), ["a"])

    def test_attributes_in_custom_strategies(self):
        if not custseg.HAVE_CUSTOM_STRATEGIES:
            self.skipTest("no custom strategies")
        seen = {}

        def by_country(a):
            seen["country"] = a.attribute("country")
            seen["size"] = a.attribute("size", 0)
            return [c or "none" for c in seen["country"]]
        custseg.register_strategy("py_country", by_country)
        try:
            r = custseg.run("py_country", self.ds, as_of="2024-03-01")
        finally:
            custseg.unregister_strategy("py_country")
        self.assertEqual(seen["size"], 50.0)
        self.assertEqual(r.find("b").segment, "DE")
        self.assertIn("none", r.segment_names)

    def test_bulk_attributes_from_numpy(self):
        np = need_numpy()
        with tx_dataset() as ds:
            ds.set_attributes("score", np.array(list("abc")),
                              np.array([1.5, np.nan, 3]))
            ds.set_attributes("tier", np.array(["a", "b"]),
                              np.array(["gold", ""]))
            ds.add_events(np.array(["a", "b"]), np.array(["visit"] * 2),
                          np.array([0, 86400]), value=np.array([1.0, 2.0]))
            self.assertEqual(ds.events, 2)
            r = custseg.run("prior", ds,
                            rules={"Gold": "tier = 'gold' and score > 1"})
        self.assertEqual(list(r["Gold"].members()), ["a"])


class TestOtherStrategies(unittest.TestCase):
    def test_every_strategy_gives_rows_and_exports(self):
        names = ["rfm", "decile"] + [n for n in ("value", "lifecycle")
                                     if self._exists(n)]
        with tx_dataset() as ds:
            for name in names:
                r = custseg.run(name, ds)
                rows = list(r.rows())
                self.assertEqual(len(rows), 5, name)
                self.assertEqual(sum(s.count for s in r), 5, name)
                self.assertEqual(len(r.to_csv().splitlines()), 6, name)
                total = sum(row.monetary for row in rows)
                self.assertEqual(total, sum(Decimal(a)
                                            for *_, a in TX_ROWS))

    @staticmethod
    def _exists(name):
        try:
            custseg.Strategy(name).close()
            return True
        except custseg.NotFoundError:
            return False


if __name__ == "__main__":
    unittest.main()
