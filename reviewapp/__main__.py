"""`python -m reviewapp ...`: the same commands as the `reviewapp` script."""

from reviewapp.cli import main

main()
