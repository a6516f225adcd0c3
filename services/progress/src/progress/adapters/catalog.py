"""Published course versions kept in the process (implements ``service_layer.ports.CourseVersionCache``)."""

from __future__ import annotations

from collections import OrderedDict

from progress.domain.model import CourseVersion


class LruCourseVersionCache:
    """A least-recently-used cache of versions: a (course, version) pair never changes once published."""

    def __init__(self, capacity: int = 512) -> None:
        self._cache: OrderedDict[tuple[str, int], CourseVersion] = OrderedDict()
        self._capacity = capacity

    def get(self, course_id: str, version: int) -> CourseVersion | None:
        key = (course_id, version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
        return cached

    def put(self, version: CourseVersion) -> None:
        self._cache[(version.course_id, version.version)] = version
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
