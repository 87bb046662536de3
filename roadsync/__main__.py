"""``python -m roadsync`` runs the CLI."""

from __future__ import annotations

from roadsync.cli import main

if __name__ == "__main__":
    main()
