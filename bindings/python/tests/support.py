"""Shared fixtures of the Python binding tests."""
import os
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bindings" / "python"))

import custseg  # noqa: E402

DATA_DIR = Path(os.environ.get("CUSTSEG_DATA_DIR",
                               str(ROOT.parent / "shared" / "data")))

# The hand-computed case of tests/cli.sh: as_of 2024-01-08, NTILE(5).
TX_CSV = """customer,order,time,amount
a,1,2024-01-01,10.00
b,2,2024-01-02,20.00
b,3,2024-01-03,5.50
c,4,2024-01-05,30.00
d,5,2024-01-05,1.00
d,6,2024-01-06,1.00
d,7,2024-01-07,1.00
e,8,2024-01-04,100.125
"""
TX_ROWS = [tuple(line.split(",")) for line in TX_CSV.splitlines()[1:]]
MAP = {"customer": "customer", "order": "order", "time": "time",
       "amount": "amount"}
RFM_CSV = """customer_id,recency,frequency,monetary,r,f,m,score,segment
a,7,1,10.00,1,1,2,4,Lost
b,5,2,25.50,2,4,3,9,At Risk
c,3,1,30.00,4,2,4,10,Promising
d,1,3,3.00,5,5,1,11,Potential Loyalist
e,4,1,100.13,3,3,5,11,Loyal Customers
"""
DECILE_CSV = """customer_id,value,decile
a,10.000,4
b,25.500,3
c,30.000,2
d,3.000,5
e,100.125,1
"""


def data_path(rel: str) -> Path:
    p = DATA_DIR / rel
    if not p.exists():
        raise unittest.SkipTest(f"{p} not found (set CUSTSEG_DATA_DIR)")
    return p


def need_numpy():
    try:
        import numpy
    except ImportError:
        raise unittest.SkipTest("numpy is not installed")
    return numpy


def need_pandas():
    try:
        import pandas
    except ImportError:
        raise unittest.SkipTest("pandas is not installed")
    return pandas


def tx_dataset() -> "custseg.Dataset":
    return custseg.Dataset.from_rows(TX_ROWS)
