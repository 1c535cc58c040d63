"""`python -m tablework` runs the command line."""

from tablework.cli import main

main()
