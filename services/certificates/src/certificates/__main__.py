"""``python -m certificates``: the certificates REST API."""

from certificates.config import get_settings
from lms_shared.runtime import serve

if __name__ == "__main__":
    serve("certificates.entrypoints.api:app", "certificates", get_settings())
