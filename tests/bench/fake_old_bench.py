"""A benchmark of the old kind for tests/bench/test_run_all.py: no --short, no --json (its description
mentions `demo_setup --json`, as bench/aanvragen_load.py's does). Never in bench/run_all.py's registry."""

import argparse

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.parse_args()
    print("an old benchmark: prints a table, writes no JSON")
