"""`python -m veilstream ...`: the `veilstream` command without its installed script."""

from veilstream.cli import main

main()
