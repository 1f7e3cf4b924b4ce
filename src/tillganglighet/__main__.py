"""Allow ``python -m tillganglighet``."""

from tillganglighet.cli import main

main()
