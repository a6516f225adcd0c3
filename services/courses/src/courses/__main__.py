"""``python -m courses``: the courses REST API on ``LMS_COURSES_PORT``."""

from lms_shared.runtime import serve
from lms_shared.settings import get_settings

if __name__ == "__main__":
    serve("courses.entrypoints.api:app", "courses", get_settings())
