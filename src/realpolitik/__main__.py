"""``python -m realpolitik``."""

from realpolitik.cli import main

main()
