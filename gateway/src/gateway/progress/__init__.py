"""Progress: enrolments, lessons and quizzes, over the progress service."""
