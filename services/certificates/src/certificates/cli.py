"""``python -m certificates.cli``: the admin's terminal commands (see entrypoints/cli.py)."""

from certificates.entrypoints.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
