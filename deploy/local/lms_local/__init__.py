"""Embedded local stack for Kentbilim: real servers from PyPI wheels, no Docker.

``python -m lms_local run`` starts PostgreSQL, Valkey, NATS JetStream and SeaweedFS S3 on loopback,
applies migrations, starts every role and supervises them. Tests use :class:`Stack` directly.
See deploy/local/README.md.
"""

from lms_local.procs import Proc
from lms_local.roles import ROLES, RoleSpec
from lms_local.stack import HealthTimeout, RoleUnavailable, Stack, StackBusy, StackError

__all__ = ["ROLES", "HealthTimeout", "Proc", "RoleSpec", "RoleUnavailable", "Stack", "StackBusy", "StackError"]
