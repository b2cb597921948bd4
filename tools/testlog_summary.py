#!/usr/bin/env python3
"""Summarises meson's testlog.json: one line per build, or with --total the closing
'N passed, N failed, N skipped' line over several logs."""
import json
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path) as fh:
        for line in fh:
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def main(argv):
    if argv[:1] == ["--total"]:
        totals = [sum(c) for c in zip(*(count(p) for p in argv[1:]))]
        print(f"tests: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
        return
    passed, failed, skipped = count(argv[0])
    print(f"{argv[1]}: {passed} passed, {failed} failed, {skipped} skipped")


main(sys.argv[1:])
