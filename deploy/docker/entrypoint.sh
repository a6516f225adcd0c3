#!/bin/sh
# Role entrypoint of the Kentbilim image: the first argument names the role, the rest is passed on.
# Configuration comes only from LMS_* (and OTEL_*) environment variables; see deploy/compose/.env.example.
set -eu

role="${1:-help}"
if [ "$#" -gt 0 ]; then
    shift
fi
# healthcheck.py reads the role to choose between an HTTP probe and none.
LMS_ROLE="$role"
export LMS_ROLE

case "$role" in
    migrate)
        # One-shot: create the databases if missing and run every service's Alembic migrations to head.
        exec python -m lms_shared.migrate "$@" ;;
    courses | progress | certificates | notifications)
        exec python -m "$role" "$@" ;;
    courses-relay | progress-relay | certificates-relay | notifications-relay)
        exec python -m lms_shared.outbox --service "${role%-relay}" "$@" ;;
    certificates-worker)
        exec python -m certificates.worker "$@" ;;
    gateway)
        exec python -m gateway "$@" ;;
    dlq)
        # Operator tool: list and replay dead-lettered events.
        exec python -m lms_shared.dlq "$@" ;;
    help | -h | --help)
        echo "usage: <image> ROLE [ARGS...]" >&2
        echo "roles: migrate courses progress certificates notifications certificates-worker" >&2
        echo "       courses-relay progress-relay certificates-relay notifications-relay gateway dlq" >&2
        exit 0 ;;
    *)
        echo "entrypoint: unknown role '$role'." >&2
        echo "Use one of: migrate courses progress certificates notifications certificates-worker" >&2
        echo "            courses-relay progress-relay certificates-relay notifications-relay gateway dlq" >&2
        exit 64 ;;
esac
