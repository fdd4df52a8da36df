"""`python -m eig` is the `eig` command."""

from eig.cli import main

main()
