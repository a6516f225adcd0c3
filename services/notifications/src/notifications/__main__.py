"""``python -m notifications``: run the notifications service on ``LMS_NOTIFICATIONS_PORT``."""

from lms_shared.runtime import serve
from notifications.config import get_settings

if __name__ == "__main__":
    serve("notifications.entrypoints.api:app", "notifications", get_settings())
