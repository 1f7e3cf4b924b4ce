"""Allow ``python -m tillganglighet``."""

from .cli import main

main()
