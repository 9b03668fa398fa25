"""Derive the small COW files in this folder from the originals (run once, by hand).

    python data/cow/derive.py /path/to/original/cow

* ``cow_nmc_cinc.csv`` (DERIVED from NMC v7.0 ``cow_nmc.csv``): the columns ccode, year, cinc.
* ``cow_mid_dyad_hostility.csv`` (DERIVED from MID 5.0 dyadic dispute-years
  ``cow_mid_ddydisps.csv``): one row per undirected dyad-year with a militarized dispute,
  ccode1 < ccode2, hostlev = the highest hostility level either side reached in any dispute
  between them that year (max of hostlev1 and hostlev2 over the dyad's disputes).

Not used at run time: the package reads the derived files.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def main(src: Path, dst: Path) -> None:
    with open(src / "cow_nmc.csv", newline="") as f, \
            open(dst / "cow_nmc_cinc.csv", "w", newline="") as g:
        w = csv.writer(g, lineterminator="\n")
        w.writerow(["ccode", "year", "cinc"])
        for r in csv.DictReader(f):
            if r["cinc"] not in ("", "NA"):
                w.writerow([r["ccode"], r["year"], r["cinc"]])
    host: dict[tuple[int, int, int], int] = {}
    with open(src / "cow_mid_ddydisps.csv", newline="") as f:
        for r in csv.DictReader(f):
            a, b = sorted((int(r["ccode1"]), int(r["ccode2"])))
            key = (a, b, int(r["year"]))
            lev = max(int(r["hostlev1"]), int(r["hostlev2"]))
            host[key] = max(host.get(key, 0), lev)
    with open(dst / "cow_mid_dyad_hostility.csv", "w", newline="") as g:
        w = csv.writer(g, lineterminator="\n")
        w.writerow(["ccode1", "ccode2", "year", "hostlev"])
        for key in sorted(host):
            w.writerow([*key, host[key]])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent)
