"""``python -m courses``: the courses REST API on ``LMS_COURSES_PORT``."""

from courses.config import get_settings
from lms_shared.runtime import serve

if __name__ == "__main__":
    serve("courses.entrypoints.api:app", "courses", get_settings())
