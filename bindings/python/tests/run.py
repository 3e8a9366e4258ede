"""Run the Python binding tests with unittest and print one summary line,
"python: N passed, M failed, K skipped"; exit 1 when anything failed.

    CUSTSEG_LIBRARY=build/libcustseg.so.1 python3 bindings/python/tests/run.py

The tests are plain unittest cases, so pytest runs them too.
"""
import os
import sys
import unittest
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    suite = unittest.defaultTestLoader.discover(
        str(here), pattern="test_*.py", top_level_dir=str(here))
    verbosity = 2 if os.environ.get("V") == "1" else 1
    result = unittest.TextTestRunner(verbosity=verbosity,
                                     stream=sys.stdout).run(suite)
    failed = (len(result.failures) + len(result.errors)
              + len(result.unexpectedSuccesses))
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    for test, why in result.skipped:
        print(f"skipped: {test.id()}: {why}")
    print(f"python: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
