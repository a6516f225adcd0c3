"""``python -m certificates.worker``: one bulk-issue worker process (see entrypoints/worker.py)."""

from certificates.entrypoints.worker import main

if __name__ == "__main__":
    main()
