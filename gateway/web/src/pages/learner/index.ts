// The learner's pages: catalogue, course, lesson player, my learning, my certificates.
export { CataloguePage } from "./catalogue";
export { MyCertificatesPage } from "./certificates";
export { CoursePage } from "./course";
export { MyLearningPage } from "./my-learning";
export { LessonPlayer } from "./player";
