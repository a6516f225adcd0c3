"""``python -m progress``: run the progress service on ``LMS_PROGRESS_PORT``."""

from lms_shared.runtime import serve
from progress.config import get_settings

if __name__ == "__main__":
    serve("progress.entrypoints.api:app", "progress", get_settings())
