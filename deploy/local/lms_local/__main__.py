"""``python -m lms_local``: see :mod:`lms_local.cli`."""

from lms_local.cli import main

raise SystemExit(main())
