"""example.py - RFM segments of a few customers (examples/quickstart.c in
Python).

    PYTHONPATH=bindings/python python3 bindings/python/example.py
    ... example.py orders.csv   (columns customer_id,order_id,order_time,amount)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run from a checkout
import custseg  # noqa: E402

SALES = [  # customer, order, date, amount
    ("alice", "A1", "2024-01-05", "49.99"), ("bob", "B1", "2023-11-20", "12"),
    ("alice", "A2", "2024-06-01", "25.00"), ("dave", "D1", "2023-08-14", "8"),
    ("carol", "C1", "2024-05-30", "99.00"), ("carol", "C2", "2024-06-02", "15"),
]
MAP = {"customer": "customer_id", "order": "order_id", "time": "order_time",
       "amount": "amount"}


def main(argv):
    try:
        with custseg.Dataset() as ds:
            if len(argv) > 1:
                ds.map(MAP).load_csv(argv[1])
            else:
                for customer, order, date, amount in SALES:
                    ds.add(customer, order, date, amount)
            result = custseg.run("rfm", ds)
    except custseg.Error as e:  # the message names file, line and field
        print(f"example: {custseg.strerror(e.status)} {e}", file=sys.stderr)
        return 1
    with result:
        for seg in result:
            print(f"{seg.name:<20} {seg.count:6d} customers "
                  f"{100 * seg.share:5.1f}% revenue {seg.stat('revenue'):10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
