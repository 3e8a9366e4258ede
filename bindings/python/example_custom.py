"""example_custom.py - a custom strategy in Python (examples/custom.c):
"High value & recent" customers (spent at least 50.00 and bought within 90
days) and the rest. The function only decides each customer's segment; the
library computes the statistics and writes the table.

    PYTHONPATH=bindings/python python3 bindings/python/example_custom.py
    ... example_custom.py orders.csv  (customer_id,order_id,order_time,amount)
"""
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from a checkout
import custseg  # noqa: E402

SALES = [  # customer, order, date, amount
    ("alice", "A1", "2024-01-05", "49.99"), ("bob", "B1", "2023-11-20", "12"),
    ("alice", "A2", "2024-06-01", "25.00"), ("dave", "D1", "2023-08-14", "8"),
    ("carol", "C1", "2024-05-30", "99.00"), ("carol", "C2", "2024-06-02", "15"),
    ("erin", "E1", "2024-02-11", "310.00"),
]
MAP = {"customer": "customer_id", "order": "order_id", "time": "order_time",
       "amount": "amount"}


@custseg.register_strategy("high_value_recent")
def high_value_recent(customers: custseg.Assignment):
    customers.define("High value & recent")  # segments in this order
    customers.define("Others")
    return ["High value & recent"
            if c.monetary >= Decimal(50) and c.recency <= 90 else "Others"
            for c in customers]


def main(argv):
    try:
        with custseg.Dataset() as ds:
            if len(argv) > 1:
                ds.map(MAP).load_csv(argv[1])
            else:
                ds.add_rows(SALES)
            result = custseg.run("high_value_recent", ds)
    except custseg.Error as e:
        print(f"example_custom: {custseg.strerror(e.status)} {e}",
              file=sys.stderr)
        return 1
    result.to_table(sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
