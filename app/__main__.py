"""`python -m app` is the same as the `plaza` command."""

from app.cli import main

raise SystemExit(main())
