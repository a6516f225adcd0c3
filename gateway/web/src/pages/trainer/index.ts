// The trainer's pages: my courses, course editor (languages side by side, modules, lessons, quizzes,
// materials), publishing and course statistics.
export { NewCoursePage, TeachPage } from "./courses";
export { CourseEditorPage } from "./editor";
