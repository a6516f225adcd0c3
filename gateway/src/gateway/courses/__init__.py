"""Courses: the catalogue and authoring, over the courses service."""
