/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** A bulk issuance: everyone eligible, an explicit list, or a CSV. */
export type BulkIssueInput = {
  /** Everyone who completed the course and has no certificate yet. */
  allEligible?: boolean | null | undefined;
  /** The course the certificates are for. */
  courseId: string;
  /** Recipients as CSV text (UTF-8, one header row; columns as in docs/graphql.md), instead of `recipients`. */
  csv?: string | null | undefined;
  /** Or an explicit list, e.g. workshop participants from a CSV. */
  recipients?: Array<RecipientInput> | null | undefined;
};

/** Where a bulk issuance job is. */
export type BulkJobStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** What became of one input row of a bulk job (in a dry run: what would). */
export type BulkRowOutcome =
  /** Issuing was tried and failed (e.g. RENDER_FAILED). */
  | 'FAILED'
  /** A certificate was issued (dry run: would be). */
  | 'ISSUED'
  /** Accepted, not processed yet. */
  | 'PENDING'
  /** Invalid input; never issued. */
  | 'REFUSED'
  /** Nothing to do, e.g. the learner is already certified. */
  | 'SKIPPED';

/** What a certificate certifies: a completed course, or taking part in an event. */
export type CertificateKind =
  | 'COMPLETION'
  | 'PARTICIPATION';

/** Whether a certificate still stands. */
export type CertificateStatus =
  | 'REVOKED'
  | 'VALID';

/** Addition: a state's co-branding, saved as a new version of its variant. */
export type CertificateVariantInput = {
  /** Without partnerLogo: keep the current version's logo (an edit of the texts). */
  keepLogo?: boolean;
  /** The partner's logo, PNG or JPEG, base64-encoded (no data: prefix). */
  partnerLogo?: string | null | undefined;
  /** The partner's name per language, incl. en. */
  partnerNames: Array<LocalizedTextInput>;
  /** The partner's signatories, printed after the issuer's. */
  signatories?: Array<VariantSignatoryInput>;
};

/** Seats reserved for one member state. */
export type CountryQuotaInput = {
  /** Member state, ISO 3166 alpha-2 (e.g. AZ). */
  org: string;
  /** Seats reserved for it (at least 1). */
  seats: number;
};

/** Where a course is in its life. */
export type CourseStatus =
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PUBLISHED';

/** A new course, created as a draft owned by the caller. */
export type CreateCourseInput = {
  /** Issue a certificate as soon as a learner completes the course. */
  autoIssueCertificate?: boolean | null | undefined;
  /** Certificate of completion or of participation. */
  certificateKind?: CertificateKind | null | undefined;
  /** Used when a requested language is missing. */
  defaultLanguage: string;
  /** Addition: remind ACTIVE learners after this many days (1..365) without progress. */
  inactivityReminderDays?: number | null | undefined;
  /** Capacity, quotas, approval, closing date, waiting list. */
  registration?: RegistrationPolicyInput | null | undefined;
  /** URL-friendly unique name: lower-case letters, digits and dashes. */
  slug: string;
  /** Short descriptions. */
  summaries?: Array<LocalizedTextInput> | null | undefined;
  /** The title in one or more languages. */
  titles: Array<LocalizedTextInput>;
  /** Topics. */
  topics?: Array<string> | null | undefined;
};

/** How often emails are sent: one each (NONE), or a daily or weekly digest. */
export type DigestFrequency =
  | 'DAILY'
  | 'NONE'
  | 'WEEKLY';

/** Where an email is in its delivery. */
export type EmailDeliveryStatus =
  | 'FAILED'
  /** Refused for good (SMTP 5xx): shown to admins, replayable. */
  | 'PARKED'
  | 'PENDING'
  | 'SENDING'
  | 'SENT';

/** Where a learner is in a course. */
export type EnrollmentStatus =
  | 'ACTIVE'
  | 'COMPLETED'
  /** Registered; waits for approval (holds a seat). */
  | 'PENDING'
  /** Registration refused (see reason). */
  | 'REJECTED'
  /** Registered; waits for a seat (see waitlistPosition). */
  | 'WAITLISTED'
  | 'WITHDRAWN';

/** A lesson of a module. */
export type LessonInput = {
  /** Markdown text, per language. */
  bodies?: Array<LocalizedTextInput> | null | undefined;
  /** Expected study time. */
  durationMinutes?: number | null | undefined;
  /** What the lesson holds. */
  kind: LessonKind;
  /** The session, for LIVE lessons. */
  live?: LiveSessionInput | null | undefined;
  /** An uploaded material to attach. */
  materialId?: string | null | undefined;
  /** Where to insert; default last. */
  position?: number | null | undefined;
  /** The quiz, for QUIZ lessons. */
  quiz?: QuizInput | null | undefined;
  /** Whether completing the course needs it. */
  required?: boolean | null | undefined;
  /** The feedback form, for SURVEY lessons. */
  survey?: SurveyInput | null | undefined;
  /** The lesson's title. */
  titles: Array<LocalizedTextInput>;
};

/** What a lesson holds. */
export type LessonKind =
  | 'DOCUMENT'
  /** A scheduled session; attending it completes the lesson. */
  | 'LIVE'
  | 'QUIZ'
  /** A feedback form; submitting it completes the lesson. */
  | 'SURVEY'
  | 'TEXT'
  | 'VIDEO';

/** Where a learner is in one lesson. */
export type LessonStatus =
  | 'COMPLETED'
  | 'IN_PROGRESS'
  | 'NOT_STARTED';

/** The session of a LIVE lesson. */
export type LiveSessionInput = {
  /** Seats; null = unlimited. */
  capacity?: number | null | undefined;
  /** End, later than the start. */
  endsAt: string;
  /** An https:// join link. */
  onlineUrl?: string | null | undefined;
  /** Start, with its offset (e.g. 2026-05-14T09:00:00+04:00). */
  startsAt: string;
  /** IANA zone the session is announced in, e.g. Asia/Baku. */
  timezone: string;
  /** The venue, per language. */
  venues?: Array<LocalizedTextInput> | null | undefined;
};

/** A text in one language. */
export type LocalizedTextInput = {
  /** Language code, e.g. az, kk, ru. */
  lang: string;
  /** The text in that language. */
  text: string;
};

/** Whether an uploaded material's bytes arrived and passed the checks. */
export type MaterialStatus =
  | 'PENDING'
  | 'READY'
  | 'REJECTED';

/** A module of a course. */
export type ModuleInput = {
  /** Where to insert; default last. */
  position?: number | null | undefined;
  /** The module's title in one or more languages. */
  titles: Array<LocalizedTextInput>;
};

/** What a notification is about. */
export type NotificationKind =
  | 'BULK_JOB_FINISHED'
  | 'CERTIFICATE_ISSUED'
  | 'CERTIFICATE_REVOKED'
  | 'COURSE_UPDATED'
  | 'ENROLLED'
  | 'INACTIVITY_REMINDER'
  | 'REGISTRATION_APPROVED'
  | 'REGISTRATION_REJECTED'
  | 'SESSION_REMINDER'
  | 'WAITLIST_PROMOTED';

/** Change any of the preferences; fields left out stay as they are. */
export type NotificationPreferencesInput = {
  /** NONE, DAILY or WEEKLY. */
  digest?: DigestFrequency | null | undefined;
  /** Emails at all. */
  email?: boolean | null | undefined;
  /** en az kk ky uz tr ru; null goes back to the token's language. */
  locale?: string | null | undefined;
  /** The whole list of kinds not wanted by email (replaces the list). */
  mutedEmailKinds?: Array<NotificationKind> | null | undefined;
};

/** Addition: which certificates to print (valid ones only): a finished bulk job's, or a course's, optionally of one member state and issued in a date range. */
export type PrintBatchInput = {
  /** Or a course. */
  courseId?: string | null | undefined;
  /** PDF: one merged file; ZIP: one PDF per learner. */
  format: PrintFormat;
  /** Issued at or after this moment. */
  issuedFrom?: string | null | undefined;
  /** Issued before this moment. */
  issuedTo?: string | null | undefined;
  /** A finished bulk issue job. */
  jobId?: string | null | undefined;
  /** The alphabetical order to follow (e.g. tr, kk); by default the language most certificates are in. */
  lang?: string | null | undefined;
  /** Only this member state (ISO 3166 alpha-2). */
  org?: string | null | undefined;
};

/** Addition: where a print batch is. */
export type PrintBatchStatus =
  | 'COMPLETED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

/** Addition: the file a print batch produces. */
export type PrintFormat =
  | 'PDF'
  | 'ZIP';

/** One quiz question. */
export type QuestionInput = {
  /** Two or more options. */
  options: Array<QuizOptionInput>;
  /** The question's text. */
  prompts: Array<LocalizedTextInput>;
};

/** The options chosen for one question. */
export type QuizAnswerInput = {
  /** The chosen options. */
  optionIds: Array<string>;
  /** The question. */
  questionId: string;
};

/** A quiz for a QUIZ lesson. */
export type QuizInput = {
  /** Score (0..100) needed to pass. */
  passScore: number;
  /** One or more questions. */
  questions: Array<QuestionInput>;
};

/** One option of a quiz question. */
export type QuizOptionInput = {
  /** Whether choosing it is right (never shown to learners); ignored for survey options. */
  correct: boolean;
  /** Addition: the id of an existing option this input keeps (edits keep ids stable); omit for new. */
  id?: string | null | undefined;
  /** The option's text. */
  labels: Array<LocalizedTextInput>;
};

/** Who receives a certificate. */
export type RecipientInput = {
  /** Where to send the certificate. */
  email?: string | null | undefined;
  /** The learner's user id, when they have an account. */
  learnerId?: string | null | undefined;
  /** Municipality. */
  municipality?: string | null | undefined;
  /** Full name, as it will be printed. */
  name: string;
  /** Addition: issue a name whose words mix scripts (e.g. a Cyrillic А among Latin letters) as written; without it such a name is refused with MIXED_SCRIPT for a person to check. */
  nameConfirmed?: boolean | null | undefined;
  /** Member state, ISO 3166 alpha-2. */
  org?: string | null | undefined;
};

/** Who gets a seat; replaces the course's whole policy. */
export type RegistrationPolicyInput = {
  /** Enrolments wait for approval. */
  approvalRequired?: boolean | null | undefined;
  /** Seats; null = unlimited. */
  capacity?: number | null | undefined;
  /** When registration closes. */
  closesAt?: string | null | undefined;
  /** Seats per member state; their sum may not exceed the capacity. */
  quotas?: Array<CountryQuotaInput> | null | undefined;
  /** Keep a waiting list when seats run out. */
  waitlist?: boolean | null | undefined;
};

/** What a report row is about. */
export type ReportDimension =
  | 'COURSE'
  | 'MONTH'
  | 'MUNICIPALITY'
  | 'ORG';

/** One answer of a survey: rating for RATING, text for TEXT, one option id for SINGLE_CHOICE. */
export type SurveyAnswerInput = {
  /** SINGLE_CHOICE: the chosen option (exactly one). */
  optionIds?: Array<string> | null | undefined;
  /** The question. */
  questionId: string;
  /** RATING: 1..scale. */
  rating?: number | null | undefined;
  /** TEXT: the written answer (at most 2,000 characters). */
  text?: string | null | undefined;
};

/** The feedback form of a SURVEY lesson. */
export type SurveyInput = {
  /** Never link answers to learners. */
  anonymous?: boolean | null | undefined;
  /** One or more questions. */
  questions: Array<SurveyQuestionInput>;
};

/** One question of a feedback survey. */
export type SurveyQuestionInput = {
  /** Addition: the id of an existing question this input keeps (edits keep ids stable); omit for new. */
  id?: string | null | undefined;
  /** Rating, free text or single choice. */
  kind: SurveyQuestionKind;
  /** SINGLE_CHOICE: two or more options. */
  options?: Array<QuizOptionInput> | null | undefined;
  /** The question's text. */
  prompts: Array<LocalizedTextInput>;
  /** RATING: 2..10 (default 5). */
  scale?: number | null | undefined;
};

/** What a survey question asks for. */
export type SurveyQuestionKind =
  | 'RATING'
  | 'SINGLE_CHOICE'
  | 'TEXT';

/** Changes to a course's working draft; fields left out stay as they are. */
export type UpdateCourseInput = {
  /** Whether completion issues a certificate. */
  autoIssueCertificate?: boolean | null | undefined;
  /** Certificate of completion or of participation. */
  certificateKind?: CertificateKind | null | undefined;
  /** Addition: remind ACTIVE learners after this many days (1..365) without progress; null = off. */
  inactivityReminderDays?: number | null | undefined;
  /** A new registration policy (replaces the whole policy). */
  registration?: RegistrationPolicyInput | null | undefined;
  /** New summaries. */
  summaries?: Array<LocalizedTextInput> | null | undefined;
  /** New titles. */
  titles?: Array<LocalizedTextInput> | null | undefined;
  /** New topics. */
  topics?: Array<string> | null | undefined;
};

/** Changes to a lesson of a course's draft; fields left out stay as they are. */
export type UpdateLessonInput = {
  /** New Markdown texts, per language (replaces every language's text). */
  bodies?: Array<LocalizedTextInput> | null | undefined;
  /** Detach the lesson's material. */
  clearMaterial?: boolean | null | undefined;
  /** Expected study time. */
  durationMinutes?: number | null | undefined;
  /** A new session (replaces it; moving a session = edit and publish). */
  live?: LiveSessionInput | null | undefined;
  /** null keeps the material; use clearMaterial to detach it. */
  materialId?: string | null | undefined;
  /** The quiz, for QUIZ lessons. */
  quiz?: QuizInput | null | undefined;
  /** Whether completion needs it. */
  required?: boolean | null | undefined;
  /** A new feedback form (question ids kept for questions sent back). */
  survey?: SurveyInput | null | undefined;
  /** New titles. */
  titles?: Array<LocalizedTextInput> | null | undefined;
};

/** Addition: a national partner's signatory. */
export type VariantSignatoryInput = {
  /** Without signatureImage: keep the current version's signature at the same position. */
  keepSignatureImage?: boolean;
  /** The name as printed (Latin script). */
  name: string;
  /** A PNG or JPEG signature, base64-encoded (no data: prefix). */
  signatureImage?: string | null | undefined;
  /** Their title per language (at least en). */
  titles: Array<LocalizedTextInput>;
};

export type NotificationsPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  lang?: string | null | undefined;
}>;


export type NotificationsPageQuery = { myNotifications: { totalCount: number, unread: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, kind: NotificationKind, title: string, body: string, url: string | null, createdAt: string, readAt: string | null }> } };

export type UnreadNotificationsQueryVariables = Exact<{ [key: string]: never; }>;


export type UnreadNotificationsQuery = { myNotifications: { unread: number } };

export type NotificationReceivedSubscriptionVariables = Exact<{
  lang?: string | null | undefined;
}>;


export type NotificationReceivedSubscription = { notificationReceived: { id: string, kind: NotificationKind, title: string, body: string, url: string | null, createdAt: string, readAt: string | null } };

export type MarkNotificationsReadMutationVariables = Exact<{
  ids?: Array<string> | string | null | undefined;
}>;


export type MarkNotificationsReadMutation = { markNotificationsRead: number };

export type NotificationPreferencesQueryVariables = Exact<{ [key: string]: never; }>;


export type NotificationPreferencesQuery = { myNotificationPreferences: { email: boolean, mutedEmailKinds: Array<NotificationKind>, digest: DigestFrequency, locale: string | null } };

export type UpdateNotificationPreferencesMutationVariables = Exact<{
  input: NotificationPreferencesInput;
}>;


export type UpdateNotificationPreferencesMutation = { updateNotificationPreferences: { email: boolean, mutedEmailKinds: Array<NotificationKind>, digest: DigestFrequency, locale: string | null } };

export type CompleteQueuedMutationVariables = Exact<{
  e: string;
  l: string;
}>;


export type CompleteQueuedMutation = { completeLesson: { id: string } };

export type ApprovalQueueQueryVariables = Exact<{
  c?: string | null | undefined;
  ui?: string | null | undefined;
}>;


export type ApprovalQueueQuery = { pendingEnrollments: Array<{ id: string, learnerId: string, learnerName: string, org: string | null, municipality: string | null, enrolledAt: string, status: EnrollmentStatus, course: { id: string, title: string } }> };

export type ApproveRegistrationMutationVariables = Exact<{
  id: string;
}>;


export type ApproveRegistrationMutation = { approveEnrollment: { id: string, status: EnrollmentStatus } };

export type RejectRegistrationMutationVariables = Exact<{
  id: string;
  r: string;
}>;


export type RejectRegistrationMutation = { rejectEnrollment: { id: string, status: EnrollmentStatus, reason: string | null } };

export type BulkJobFieldsFragment = { id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null };

export type BulkRowFieldsFragment = { row: number | null, name: string, learnerId: string | null, email: string | null, org: string | null, municipality: string | null, outcome: BulkRowOutcome, reasonCode: string | null, reason: string | null, certificateCode: string | null };

export type PreviewBulkMutationVariables = Exact<{
  input: BulkIssueInput;
}>;


export type PreviewBulkMutation = { startBulkIssue: { id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null, refusedRows: { totalCount: number, nodes: Array<{ row: number | null, name: string, learnerId: string | null, email: string | null, org: string | null, municipality: string | null, outcome: BulkRowOutcome, reasonCode: string | null, reason: string | null, certificateCode: string | null }> }, skippedRows: { totalCount: number, nodes: Array<{ row: number | null, name: string, learnerId: string | null, email: string | null, org: string | null, municipality: string | null, outcome: BulkRowOutcome, reasonCode: string | null, reason: string | null, certificateCode: string | null }> }, readyRows: { totalCount: number, nodes: Array<{ row: number | null, name: string, learnerId: string | null, email: string | null, org: string | null, municipality: string | null, outcome: BulkRowOutcome, reasonCode: string | null, reason: string | null, certificateCode: string | null }> } } };

export type StartBulkMutationVariables = Exact<{
  input: BulkIssueInput;
}>;


export type StartBulkMutation = { startBulkIssue: { id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null } };

export type JobQueryVariables = Exact<{
  id: string;
}>;


export type JobQuery = { bulkIssueJob: { id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null } | null };

export type JobRowsQueryVariables = Exact<{
  id: string;
  after?: string | null | undefined;
}>;


export type JobRowsQuery = { bulkIssueJob: { rows: { nodes: Array<{ row: number | null, name: string, learnerId: string | null, email: string | null, org: string | null, municipality: string | null, outcome: BulkRowOutcome, reasonCode: string | null, reason: string | null, certificateCode: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } | null };

export type ProgressSubscriptionVariables = Exact<{
  id: string;
}>;


export type ProgressSubscription = { bulkIssueProgress: { id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null } };

export type JobsQueryVariables = Exact<{
  c?: string | null | undefined;
}>;


export type JobsQuery = { bulkIssueJobs: Array<{ id: string, courseId: string, status: BulkJobStatus, dryRun: boolean, total: number, issued: number, skipped: number, refused: number, failed: number, createdAt: string, finishedAt: string | null }> };

export type CobrandingVariantsQueryVariables = Exact<{ [key: string]: never; }>;


export type CobrandingVariantsQuery = { certificateVariants: Array<{ org: string, version: number, hasLogo: boolean, createdAt: string, partnerNames: Array<{ lang: string, text: string }>, signatories: Array<{ name: string | null, hasSignatureImage: boolean, titles: Array<{ lang: string, text: string }> }> }> };

export type SaveCobrandingMutationVariables = Exact<{
  org: string;
  input: CertificateVariantInput;
}>;


export type SaveCobrandingMutation = { saveCertificateVariant: { org: string, version: number } };

export type RemoveCobrandingMutationVariables = Exact<{
  org: string;
}>;


export type RemoveCobrandingMutation = { removeCertificateVariant: boolean };

export type PreviewCobrandingMutationVariables = Exact<{
  org: string;
  input?: CertificateVariantInput | null | undefined;
  lang?: string | null | undefined;
}>;


export type PreviewCobrandingMutation = { previewCertificateVariant: string };

export type CoursesQueryVariables = Exact<{
  ui?: string | null | undefined;
  status?: CourseStatus | null | undefined;
}>;


export type CoursesQuery = { courses: { nodes: Array<{ id: string, title: string }> } };

export type ReportRowFieldsFragment = { org: string | null, municipality: string | null, courseId: string | null, courseTitle: string | null, month: string | null, enrolled: number, completed: number, certificates: number, learners: number };

export type NationalReportQueryVariables = Exact<{
  groupBy: Array<ReportDimension> | ReportDimension;
  org?: string | null | undefined;
  courseId?: string | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type NationalReportQuery = { table: { rows: Array<{ org: string | null, municipality: string | null, courseId: string | null, courseTitle: string | null, month: string | null, enrolled: number, completed: number, certificates: number, learners: number }>, totals: { org: string | null, municipality: string | null, courseId: string | null, courseTitle: string | null, month: string | null, enrolled: number, completed: number, certificates: number, learners: number } }, byMonth: { rows: Array<{ month: string | null, enrolled: number, completed: number }> }, byMunicipality: { rows: Array<{ org: string | null, municipality: string | null, enrolled: number, completed: number }> } };

export type NationalReportCsvQueryVariables = Exact<{
  groupBy: Array<ReportDimension> | ReportDimension;
  org?: string | null | undefined;
  courseId?: string | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type NationalReportCsvQuery = { report: { csvUrl: string } };

export type LearnerDirectoryQueryVariables = Exact<{
  org?: string | null | undefined;
  municipality?: string | null | undefined;
  search?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  ui?: string | null | undefined;
}>;


export type LearnerDirectoryQuery = { learners: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, name: string, org: string | null, municipality: string | null, lastActiveAt: string | null, enrollments: Array<{ id: string, status: EnrollmentStatus, progressPercent: number, enrolledAt: string, completedAt: string | null, course: { id: string, title: string } }>, certificates: Array<{ id: string, code: string, courseTitle: string, issuedAt: string, status: CertificateStatus }> }> } };

export type LearnerExportQueryVariables = Exact<{
  learnerId: string;
}>;


export type LearnerExportQuery = { learnerExport: unknown };

export type EraseLearnerMutationVariables = Exact<{
  learnerId: string;
  reason?: string | null | undefined;
}>;


export type EraseLearnerMutation = { eraseLearner: { learnerId: string, pseudonym: string, erasedAt: string } };

export type ParkedEmailsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ParkedEmailsQuery = { emailDeliveries: { totalCount: number, nodes: Array<{ id: string, source: string, notificationId: string | null, toAddress: string, status: EmailDeliveryStatus, attempts: number, lastError: string | null, createdAt: string, nextAttemptAt: string }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ReplayParkedEmailMutationVariables = Exact<{
  id: string;
}>;


export type ReplayParkedEmailMutation = { replayEmailDelivery: { id: string, source: string, notificationId: string | null, toAddress: string, status: EmailDeliveryStatus, attempts: number, lastError: string | null, createdAt: string, nextAttemptAt: string } };

export type PrintBatchFieldsFragment = { id: string, status: PrintBatchStatus, format: PrintFormat, lang: string, total: number, done: number, progress: number, error: string | null, waitingReason: string | null, size: number | null, createdAt: string, finishedAt: string | null };

export type StartPrintMutationVariables = Exact<{
  input: PrintBatchInput;
}>;


export type StartPrintMutation = { startPrintBatch: { id: string, status: PrintBatchStatus, format: PrintFormat, lang: string, total: number, done: number, progress: number, error: string | null, waitingReason: string | null, size: number | null, createdAt: string, finishedAt: string | null } };

export type PrintBatchQueryVariables = Exact<{
  id: string;
}>;


export type PrintBatchQuery = { printBatch: { id: string, status: PrintBatchStatus, format: PrintFormat, lang: string, total: number, done: number, progress: number, error: string | null, waitingReason: string | null, size: number | null, createdAt: string, finishedAt: string | null } | null };

export type PrintBatchLinkQueryVariables = Exact<{
  id: string;
}>;


export type PrintBatchLinkQuery = { printBatch: { id: string, downloadUrl: string | null } | null };

export type RetryPrintMutationVariables = Exact<{
  id: string;
}>;


export type RetryPrintMutation = { retryPrintBatch: { id: string, status: PrintBatchStatus, format: PrintFormat, lang: string, total: number, done: number, progress: number, error: string | null, waitingReason: string | null, size: number | null, createdAt: string, finishedAt: string | null } };

export type SearchCertsQueryVariables = Exact<{
  code?: string | null | undefined;
  name?: string | null | undefined;
  c?: string | null | undefined;
  s?: CertificateStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchCertsQuery = { searchCertificates: { totalCount: number, nodes: Array<{ id: string, code: string, learnerName: string, courseTitle: string, issuedAt: string, status: CertificateStatus, revokedAt: string | null, revocationReason: string | null }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type RevokeMutationVariables = Exact<{
  id: string;
  r: string;
}>;


export type RevokeMutation = { revokeCertificate: { id: string, status: CertificateStatus } };

export type CatalogueQueryVariables = Exact<{
  ui?: string | null | undefined;
  search?: string | null | undefined;
  topic?: string | null | undefined;
  lang?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CatalogueQuery = { courses: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, nodes: Array<{ id: string, title: string, summary: string | null, languages: Array<string>, topics: Array<string>, version: number }> } };

export type CertificateSummaryFragment = { id: string, code: string, learnerName: string, courseTitle: string, issuedAt: string, status: CertificateStatus, revokedAt: string | null, revocationReason: string | null };

export type CertificatePdfLinkQueryVariables = Exact<{ [key: string]: never; }>;


export type CertificatePdfLinkQuery = { myCertificates: Array<{ id: string, pdfUrl: string | null }> };

export type CertificateCredentialJsonQueryVariables = Exact<{ [key: string]: never; }>;


export type CertificateCredentialJsonQuery = { myCertificates: Array<{ id: string, credentialDataIntegrity: unknown }> };

export type MyCertificatesQueryVariables = Exact<{ [key: string]: never; }>;


export type MyCertificatesQuery = { myCertificates: Array<{ pdfUrl: string | null, verifyUrl: string, linkedInUrl: string, id: string, code: string, learnerName: string, courseTitle: string, issuedAt: string, status: CertificateStatus, revokedAt: string | null, revocationReason: string | null }> };

export type CheckInEnrolmentQueryVariables = Exact<{
  c: string;
  ui?: string | null | undefined;
}>;


export type CheckInEnrolmentQuery = { course: { id: string, title: string, enrollment: { id: string, status: EnrollmentStatus, lessons: Array<{ lessonId: string, status: LessonStatus }> } | null, modules: Array<{ lessons: Array<{ id: string, kind: LessonKind, title: string, survey: { anonymous: boolean, questions: Array<{ id: string, kind: SurveyQuestionKind, prompt: string, scale: number | null, options: Array<{ id: string, label: string }> | null }> } | null }> }> } | null };

export type CheckInMutationVariables = Exact<{
  e: string;
  l: string;
  code: string;
}>;


export type CheckInMutation = { checkIn: { lessonId: string, status: LessonStatus } };

export type SubmitSurveyMutationVariables = Exact<{
  e: string;
  l: string;
  a: Array<SurveyAnswerInput> | SurveyAnswerInput;
}>;


export type SubmitSurveyMutation = { submitSurvey: { lessonId: string, status: LessonStatus } };

export type EnrollmentFieldsFragment = { id: string, status: EnrollmentStatus, progressPercent: number, courseVersion: number, resumeLessonId: string | null, waitlistPosition: number | null, reason: string | null, lessons: Array<{ lessonId: string, status: LessonStatus, bestScore: number | null, attempts: number }>, certificate: { id: string, code: string } | null };

export type CourseQueryVariables = Exact<{
  id: string;
  ui?: string | null | undefined;
  signedIn: boolean;
}>;


export type CourseQuery = { course: { id: string, title: string, summary: string | null, languages: Array<string>, defaultLanguage: string, topics: Array<string>, version: number, status: CourseStatus, calendarUrl: string, modules: Array<{ id: string, position: number, title: string, lessons: Array<{ id: string, position: number, kind: LessonKind, title: string, durationMinutes: number | null, required: boolean, live: { startsAt: string, endsAt: string, timezone: string, venue: string | null, onlineUrl: string | null } | null }> }>, enrollment?: { id: string, status: EnrollmentStatus, progressPercent: number, courseVersion: number, resumeLessonId: string | null, waitlistPosition: number | null, reason: string | null, lessons: Array<{ lessonId: string, status: LessonStatus, bestScore: number | null, attempts: number }>, certificate: { id: string, code: string } | null } | null } | null };

export type EnrolMutationVariables = Exact<{
  c: string;
}>;


export type EnrolMutation = { enroll: { id: string } };

export type WithdrawRegistrationMutationVariables = Exact<{
  e: string;
}>;


export type WithdrawRegistrationMutation = { withdraw: { id: string, status: EnrollmentStatus } };

export type MineQueryVariables = Exact<{
  ui?: string | null | undefined;
}>;


export type MineQuery = { myEnrollments: Array<{ id: string, status: EnrollmentStatus, progressPercent: number, enrolledAt: string, completedAt: string | null, resumeLessonId: string | null, course: { id: string, title: string }, certificate: { id: string, code: string } | null }> };

export type PlayerQueryVariables = Exact<{
  id: string;
  ui?: string | null | undefined;
}>;


export type PlayerQuery = { course: { id: string, title: string, version: number, modules: Array<{ id: string, position: number, title: string, lessons: Array<{ id: string, position: number, kind: LessonKind, title: string, body: string | null, durationMinutes: number | null, required: boolean, material: { id: string, filename: string, contentType: string, size: number, status: MaterialStatus, downloadUrl: string | null } | null, quiz: { passScore: number, questions: Array<{ id: string, prompt: string, multiple: boolean, options: Array<{ id: string, label: string }> }> } | null }> }>, enrollment: { id: string, status: EnrollmentStatus, progressPercent: number, courseVersion: number, resumeLessonId: string | null, waitlistPosition: number | null, reason: string | null, lessons: Array<{ lessonId: string, status: LessonStatus, bestScore: number | null, attempts: number }>, certificate: { id: string, code: string } | null } | null } | null };

export type MaterialLinkQueryVariables = Exact<{
  id: string;
}>;


export type MaterialLinkQuery = { course: { id: string, modules: Array<{ id: string, lessons: Array<{ id: string, material: { id: string, downloadUrl: string | null } | null }> }> } | null };

export type CompleteMutationVariables = Exact<{
  e: string;
  l: string;
}>;


export type CompleteMutation = { completeLesson: { id: string } };

export type SubmitMutationVariables = Exact<{
  e: string;
  l: string;
  a: Array<QuizAnswerInput> | QuizAnswerInput;
}>;


export type SubmitMutation = { submitQuiz: { score: number, passed: boolean, attempt: number, questions: Array<{ questionId: string, correct: boolean }> } };

export type VerifyQueryVariables = Exact<{
  code: string;
  ui?: string | null | undefined;
}>;


export type VerifyQuery = { verifyCertificate: { code: string, valid: boolean, status: CertificateStatus | null, learnerName: string | null, courseTitle: string | null, issuedAt: string | null, issuer: string | null, revokedAt: string | null, revocationReason: string | null, proofs: Array<{ format: string, verified: boolean }> } };

export type OpenCheckInMutationVariables = Exact<{
  l: string;
  m?: number | null | undefined;
}>;


export type OpenCheckInMutation = { openCheckIn: { code: string, url: string, expiresAt: string, closesAt: string } };

export type SessionAttendanceQueryVariables = Exact<{
  c: string;
  l: string;
  ui?: string | null | undefined;
}>;


export type SessionAttendanceQuery = { course: { id: string, title: string, modules: Array<{ lessons: Array<{ id: string, title: string }> }>, attendance: Array<{ learnerId: string, learnerName: string, org: string | null, municipality: string | null, present: boolean, checkedInAt: string | null, method: string | null }> | null } | null };

export type MarkAttendanceMutationVariables = Exact<{
  l: string;
  who: Array<string> | string;
  p: boolean;
}>;


export type MarkAttendanceMutation = { markAttendance: Array<{ learnerId: string, present: boolean, checkedInAt: string | null, method: string | null }> };

export type AttendanceCsvQueryVariables = Exact<{
  c: string;
  l: string;
}>;


export type AttendanceCsvQuery = { course: { id: string, attendanceCsvUrl: string | null } | null };

export type TeachQueryVariables = Exact<{
  ui?: string | null | undefined;
}>;


export type TeachQuery = { courses: { nodes: Array<{ id: string, title: string, status: CourseStatus, version: number, ownerId: string, languages: Array<string> }> } };

export type CreateMutationVariables = Exact<{
  input: CreateCourseInput;
}>;


export type CreateMutation = { createCourse: { id: string } };

export type EditorQueryVariables = Exact<{
  id: string;
  ui?: string | null | undefined;
}>;


export type EditorQuery = { course: { id: string, slug: string, title: string, languages: Array<string>, defaultLanguage: string, topics: Array<string>, status: CourseStatus, version: number, hasUnpublishedChanges: boolean, incompleteLanguages: Array<string>, summary_en: string | null, summary_tr: string | null, summary_az: string | null, summary_kk: string | null, summary_ky: string | null, summary_uz: string | null, summary_ru: string | null, titles: Array<{ lang: string, text: string }>, certificatePolicy: { autoIssue: boolean, kind: CertificateKind }, registration: { capacity: number | null, approvalRequired: boolean, waitlist: boolean, closesAt: string | null, quotas: Array<{ org: string, seats: number }> }, modules: Array<{ id: string, position: number, title: string, titles: Array<{ lang: string, text: string }>, lessons: Array<{ id: string, position: number, kind: LessonKind, title: string, required: boolean, durationMinutes: number | null, titles: Array<{ lang: string, text: string }>, bodies: Array<{ lang: string, text: string }>, material: { id: string, filename: string, status: MaterialStatus, size: number } | null, quiz: { passScore: number, questions: Array<{ id: string }> } | null, live: { startsAt: string, timezone: string } | null, survey: { questions: Array<{ id: string }> } | null }> }>, stats: { enrolled: number, completed: number, certificatesIssued: number, byOrg: Array<{ key: string, enrolled: number, completed: number }>, byMunicipality: Array<{ key: string, enrolled: number, completed: number }> } | null } | null };

export type MoveModuleMutationVariables = Exact<{
  id: string;
  p: number;
}>;


export type MoveModuleMutation = { moveModule: { id: string } };

export type MoveLessonMutationVariables = Exact<{
  id: string;
  p: number;
}>;


export type MoveLessonMutation = { moveLesson: { id: string } };

export type UpdateMutationVariables = Exact<{
  id: string;
  input: UpdateCourseInput;
}>;


export type UpdateMutation = { updateCourse: { id: string } };

export type DeleteModuleMutationVariables = Exact<{
  id: string;
}>;


export type DeleteModuleMutation = { deleteModule: boolean };

export type DeleteLessonMutationVariables = Exact<{
  id: string;
}>;


export type DeleteLessonMutation = { deleteLesson: boolean };

export type UpdateModuleMutationVariables = Exact<{
  id: string;
  i: ModuleInput;
}>;


export type UpdateModuleMutation = { updateModule: { id: string } };

export type AddModuleMutationVariables = Exact<{
  c: string;
  i: ModuleInput;
}>;


export type AddModuleMutation = { addModule: { id: string } };

export type UpdateLessonMutationVariables = Exact<{
  id: string;
  i: UpdateLessonInput;
}>;


export type UpdateLessonMutation = { updateLesson: { id: string } };

export type LessonDetailsQueryVariables = Exact<{
  course: string;
  lesson: string;
}>;


export type LessonDetailsQuery = { course: { id: string, lesson: { id: string, live: { startsAt: string, endsAt: string, timezone: string, editorOnlineUrl: string | null, capacity: number | null, venues: Array<{ lang: string, text: string }> } | null, survey: { anonymous: boolean, questions: Array<{ id: string, kind: SurveyQuestionKind, scale: number | null, prompts: Array<{ lang: string, text: string }>, options: Array<{ id: string, labels: Array<{ lang: string, text: string }> }> | null }> } | null } | null } | null };

export type AddLessonMutationVariables = Exact<{
  m: string;
  i: LessonInput;
}>;


export type AddLessonMutation = { addLesson: { id: string } };

export type LessonPreviewQueryVariables = Exact<{
  id: string;
  l?: string | null | undefined;
}>;


export type LessonPreviewQuery = { course: { id: string, modules: Array<{ id: string, lessons: Array<{ id: string, kind: LessonKind, title: string, body: string | null, durationMinutes: number | null, required: boolean, material: { filename: string } | null, quiz: { passScore: number, questions: Array<{ id: string, prompt: string, multiple: boolean, options: Array<{ id: string, label: string }> }> } | null }> }> } | null };

export type RequestMutationVariables = Exact<{
  c: string;
  f: string;
  t: string;
  s: number;
}>;


export type RequestMutation = { requestMaterialUpload: { uploadUrl: string, uploadMethod: string, uploadFields: Array<{ name: string, value: string }>, material: { id: string } } };

export type ConfirmMutationVariables = Exact<{
  m: string;
}>;


export type ConfirmMutation = { confirmMaterialUpload: { id: string, filename: string, size: number, status: MaterialStatus } };

export type PublishMutationVariables = Exact<{
  id: string;
}>;


export type PublishMutation = { publishCourse: { id: string, status: CourseStatus, version: number } };

export type CourseStatsFieldsFragment = { stats: { enrolled: number, completed: number, certificatesIssued: number, byOrg: Array<{ key: string, enrolled: number, completed: number }>, byMunicipality: Array<{ key: string, enrolled: number, completed: number }> } | null };

export type SurveyResultsQueryVariables = Exact<{
  c: string;
  l: string;
  ui?: string | null | undefined;
}>;


export type SurveyResultsQuery = { course: { id: string, title: string, modules: Array<{ lessons: Array<{ id: string, kind: LessonKind, title: string, survey: { anonymous: boolean, questions: Array<{ id: string, kind: SurveyQuestionKind, prompt: string, scale: number | null, options: Array<{ id: string, label: string }> | null }> } | null }> }>, surveyResults: Array<{ questionId: string, responses: number, mean: number | null, distribution: Array<number> | null, optionCounts: Array<number> | null, texts: Array<string> | null }> | null } | null };

export type RootFieldsQueryVariables = Exact<{ [key: string]: never; }>;


export type RootFieldsQuery = { q: { fields: Array<{ name: string }> | null } | null, m: { fields: Array<{ name: string }> | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const BulkJobFieldsFragmentDoc = new TypedDocumentString(`
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}
    `, {"fragmentName":"BulkJobFields"}) as unknown as TypedDocumentString<BulkJobFieldsFragment, unknown>;
export const BulkRowFieldsFragmentDoc = new TypedDocumentString(`
    fragment BulkRowFields on BulkIssueRow {
  row
  name
  learnerId
  email
  org
  municipality
  outcome
  reasonCode
  reason
  certificateCode
}
    `, {"fragmentName":"BulkRowFields"}) as unknown as TypedDocumentString<BulkRowFieldsFragment, unknown>;
export const ReportRowFieldsFragmentDoc = new TypedDocumentString(`
    fragment ReportRowFields on ReportRow {
  org
  municipality
  courseId
  courseTitle
  month
  enrolled
  completed
  certificates
  learners
}
    `, {"fragmentName":"ReportRowFields"}) as unknown as TypedDocumentString<ReportRowFieldsFragment, unknown>;
export const PrintBatchFieldsFragmentDoc = new TypedDocumentString(`
    fragment PrintBatchFields on PrintBatch {
  id
  status
  format
  lang
  total
  done
  progress
  error
  waitingReason
  size
  createdAt
  finishedAt
}
    `, {"fragmentName":"PrintBatchFields"}) as unknown as TypedDocumentString<PrintBatchFieldsFragment, unknown>;
export const CertificateSummaryFragmentDoc = new TypedDocumentString(`
    fragment CertificateSummary on Certificate {
  id
  code
  learnerName
  courseTitle
  issuedAt
  status
  revokedAt
  revocationReason
}
    `, {"fragmentName":"CertificateSummary"}) as unknown as TypedDocumentString<CertificateSummaryFragment, unknown>;
export const EnrollmentFieldsFragmentDoc = new TypedDocumentString(`
    fragment EnrollmentFields on Enrollment {
  id
  status
  progressPercent
  courseVersion
  resumeLessonId
  waitlistPosition
  reason
  lessons {
    lessonId
    status
    bestScore
    attempts
  }
  certificate {
    id
    code
  }
}
    `, {"fragmentName":"EnrollmentFields"}) as unknown as TypedDocumentString<EnrollmentFieldsFragment, unknown>;
export const CourseStatsFieldsFragmentDoc = new TypedDocumentString(`
    fragment CourseStatsFields on Course {
  stats {
    enrolled
    completed
    certificatesIssued
    byOrg {
      key
      enrolled
      completed
    }
    byMunicipality {
      key
      enrolled
      completed
    }
  }
}
    `, {"fragmentName":"CourseStatsFields"}) as unknown as TypedDocumentString<CourseStatsFieldsFragment, unknown>;
export const NotificationsPageDocument = new TypedDocumentString(`
    query NotificationsPage($first: Int, $after: String, $lang: String) {
  myNotifications(first: $first, after: $after, lang: $lang) {
    totalCount
    unread
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      kind
      title
      body
      url
      createdAt
      readAt
    }
  }
}
    `) as unknown as TypedDocumentString<NotificationsPageQuery, NotificationsPageQueryVariables>;
export const UnreadNotificationsDocument = new TypedDocumentString(`
    query UnreadNotifications {
  myNotifications(unreadOnly: true, first: 1) {
    unread
  }
}
    `) as unknown as TypedDocumentString<UnreadNotificationsQuery, UnreadNotificationsQueryVariables>;
export const NotificationReceivedDocument = new TypedDocumentString(`
    subscription NotificationReceived($lang: String) {
  notificationReceived(lang: $lang) {
    id
    kind
    title
    body
    url
    createdAt
    readAt
  }
}
    `) as unknown as TypedDocumentString<NotificationReceivedSubscription, NotificationReceivedSubscriptionVariables>;
export const MarkNotificationsReadDocument = new TypedDocumentString(`
    mutation MarkNotificationsRead($ids: [ID!]) {
  markNotificationsRead(ids: $ids)
}
    `) as unknown as TypedDocumentString<MarkNotificationsReadMutation, MarkNotificationsReadMutationVariables>;
export const NotificationPreferencesDocument = new TypedDocumentString(`
    query NotificationPreferences {
  myNotificationPreferences {
    email
    mutedEmailKinds
    digest
    locale
  }
}
    `) as unknown as TypedDocumentString<NotificationPreferencesQuery, NotificationPreferencesQueryVariables>;
export const UpdateNotificationPreferencesDocument = new TypedDocumentString(`
    mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    email
    mutedEmailKinds
    digest
    locale
  }
}
    `) as unknown as TypedDocumentString<UpdateNotificationPreferencesMutation, UpdateNotificationPreferencesMutationVariables>;
export const CompleteQueuedDocument = new TypedDocumentString(`
    mutation CompleteQueued($e: ID!, $l: ID!) {
  completeLesson(enrollmentId: $e, lessonId: $l) {
    id
  }
}
    `) as unknown as TypedDocumentString<CompleteQueuedMutation, CompleteQueuedMutationVariables>;
export const ApprovalQueueDocument = new TypedDocumentString(`
    query ApprovalQueue($c: ID, $ui: String) {
  pendingEnrollments(courseId: $c) {
    id
    learnerId
    learnerName
    org
    municipality
    enrolledAt
    status
    course {
      id
      title(lang: $ui)
    }
  }
}
    `) as unknown as TypedDocumentString<ApprovalQueueQuery, ApprovalQueueQueryVariables>;
export const ApproveRegistrationDocument = new TypedDocumentString(`
    mutation ApproveRegistration($id: ID!) {
  approveEnrollment(id: $id) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<ApproveRegistrationMutation, ApproveRegistrationMutationVariables>;
export const RejectRegistrationDocument = new TypedDocumentString(`
    mutation RejectRegistration($id: ID!, $r: String!) {
  rejectEnrollment(id: $id, reason: $r) {
    id
    status
    reason
  }
}
    `) as unknown as TypedDocumentString<RejectRegistrationMutation, RejectRegistrationMutationVariables>;
export const PreviewBulkDocument = new TypedDocumentString(`
    mutation PreviewBulk($input: BulkIssueInput!) {
  startBulkIssue(input: $input, dryRun: true) {
    ...BulkJobFields
    refusedRows: rows(outcome: REFUSED, first: 250) {
      totalCount
      nodes {
        ...BulkRowFields
      }
    }
    skippedRows: rows(outcome: SKIPPED, first: 250) {
      totalCount
      nodes {
        ...BulkRowFields
      }
    }
    readyRows: rows(outcome: ISSUED, first: 250) {
      totalCount
      nodes {
        ...BulkRowFields
      }
    }
  }
}
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}
fragment BulkRowFields on BulkIssueRow {
  row
  name
  learnerId
  email
  org
  municipality
  outcome
  reasonCode
  reason
  certificateCode
}`) as unknown as TypedDocumentString<PreviewBulkMutation, PreviewBulkMutationVariables>;
export const StartBulkDocument = new TypedDocumentString(`
    mutation StartBulk($input: BulkIssueInput!) {
  startBulkIssue(input: $input) {
    ...BulkJobFields
  }
}
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<StartBulkMutation, StartBulkMutationVariables>;
export const JobDocument = new TypedDocumentString(`
    query Job($id: ID!) {
  bulkIssueJob(id: $id) {
    ...BulkJobFields
  }
}
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<JobQuery, JobQueryVariables>;
export const JobRowsDocument = new TypedDocumentString(`
    query JobRows($id: ID!, $after: String) {
  bulkIssueJob(id: $id) {
    rows(first: 1000, after: $after) {
      nodes {
        ...BulkRowFields
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
}
    fragment BulkRowFields on BulkIssueRow {
  row
  name
  learnerId
  email
  org
  municipality
  outcome
  reasonCode
  reason
  certificateCode
}`) as unknown as TypedDocumentString<JobRowsQuery, JobRowsQueryVariables>;
export const ProgressDocument = new TypedDocumentString(`
    subscription Progress($id: ID!) {
  bulkIssueProgress(jobId: $id) {
    ...BulkJobFields
  }
}
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<ProgressSubscription, ProgressSubscriptionVariables>;
export const JobsDocument = new TypedDocumentString(`
    query Jobs($c: ID) {
  bulkIssueJobs(courseId: $c) {
    ...BulkJobFields
  }
}
    fragment BulkJobFields on BulkIssueJob {
  id
  courseId
  status
  dryRun
  total
  issued
  skipped
  refused
  failed
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<JobsQuery, JobsQueryVariables>;
export const CobrandingVariantsDocument = new TypedDocumentString(`
    query CobrandingVariants {
  certificateVariants {
    org
    version
    hasLogo
    createdAt
    partnerNames {
      lang
      text
    }
    signatories {
      name
      hasSignatureImage
      titles {
        lang
        text
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CobrandingVariantsQuery, CobrandingVariantsQueryVariables>;
export const SaveCobrandingDocument = new TypedDocumentString(`
    mutation SaveCobranding($org: String!, $input: CertificateVariantInput!) {
  saveCertificateVariant(org: $org, input: $input) {
    org
    version
  }
}
    `) as unknown as TypedDocumentString<SaveCobrandingMutation, SaveCobrandingMutationVariables>;
export const RemoveCobrandingDocument = new TypedDocumentString(`
    mutation RemoveCobranding($org: String!) {
  removeCertificateVariant(org: $org)
}
    `) as unknown as TypedDocumentString<RemoveCobrandingMutation, RemoveCobrandingMutationVariables>;
export const PreviewCobrandingDocument = new TypedDocumentString(`
    mutation PreviewCobranding($org: String!, $input: CertificateVariantInput, $lang: String) {
  previewCertificateVariant(org: $org, input: $input, lang: $lang)
}
    `) as unknown as TypedDocumentString<PreviewCobrandingMutation, PreviewCobrandingMutationVariables>;
export const CoursesDocument = new TypedDocumentString(`
    query Courses($ui: String, $status: CourseStatus) {
  courses(status: $status, first: 100) {
    nodes {
      id
      title(lang: $ui)
    }
  }
}
    `) as unknown as TypedDocumentString<CoursesQuery, CoursesQueryVariables>;
export const NationalReportDocument = new TypedDocumentString(`
    query NationalReport($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {
  table: report(
    groupBy: $groupBy
    org: $org
    courseId: $courseId
    from: $from
    to: $to
  ) {
    rows {
      ...ReportRowFields
    }
    totals {
      ...ReportRowFields
    }
  }
  byMonth: report(
    groupBy: [MONTH]
    org: $org
    courseId: $courseId
    from: $from
    to: $to
  ) {
    rows {
      month
      enrolled
      completed
    }
  }
  byMunicipality: report(
    groupBy: [ORG, MUNICIPALITY]
    org: $org
    courseId: $courseId
    from: $from
    to: $to
  ) {
    rows {
      org
      municipality
      enrolled
      completed
    }
  }
}
    fragment ReportRowFields on ReportRow {
  org
  municipality
  courseId
  courseTitle
  month
  enrolled
  completed
  certificates
  learners
}`) as unknown as TypedDocumentString<NationalReportQuery, NationalReportQueryVariables>;
export const NationalReportCsvDocument = new TypedDocumentString(`
    query NationalReportCsv($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {
  report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) {
    csvUrl
  }
}
    `) as unknown as TypedDocumentString<NationalReportCsvQuery, NationalReportCsvQueryVariables>;
export const LearnerDirectoryDocument = new TypedDocumentString(`
    query LearnerDirectory($org: String, $municipality: String, $search: String, $first: Int, $after: String, $ui: String) {
  learners(
    org: $org
    municipality: $municipality
    search: $search
    first: $first
    after: $after
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      name
      org
      municipality
      lastActiveAt
      enrollments {
        id
        status
        progressPercent
        enrolledAt
        completedAt
        course {
          id
          title(lang: $ui)
        }
      }
      certificates {
        id
        code
        courseTitle
        issuedAt
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<LearnerDirectoryQuery, LearnerDirectoryQueryVariables>;
export const LearnerExportDocument = new TypedDocumentString(`
    query LearnerExport($learnerId: ID!) {
  learnerExport(learnerId: $learnerId)
}
    `) as unknown as TypedDocumentString<LearnerExportQuery, LearnerExportQueryVariables>;
export const EraseLearnerDocument = new TypedDocumentString(`
    mutation EraseLearner($learnerId: ID!, $reason: String) {
  eraseLearner(learnerId: $learnerId, reason: $reason) {
    learnerId
    pseudonym
    erasedAt
  }
}
    `) as unknown as TypedDocumentString<EraseLearnerMutation, EraseLearnerMutationVariables>;
export const ParkedEmailsDocument = new TypedDocumentString(`
    query ParkedEmails($first: Int, $after: String) {
  emailDeliveries(status: PARKED, first: $first, after: $after) {
    nodes {
      id
      source
      notificationId
      toAddress
      status
      attempts
      lastError
      createdAt
      nextAttemptAt
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    totalCount
  }
}
    `) as unknown as TypedDocumentString<ParkedEmailsQuery, ParkedEmailsQueryVariables>;
export const ReplayParkedEmailDocument = new TypedDocumentString(`
    mutation ReplayParkedEmail($id: ID!) {
  replayEmailDelivery(id: $id) {
    id
    source
    notificationId
    toAddress
    status
    attempts
    lastError
    createdAt
    nextAttemptAt
  }
}
    `) as unknown as TypedDocumentString<ReplayParkedEmailMutation, ReplayParkedEmailMutationVariables>;
export const StartPrintDocument = new TypedDocumentString(`
    mutation StartPrint($input: PrintBatchInput!) {
  startPrintBatch(input: $input) {
    ...PrintBatchFields
  }
}
    fragment PrintBatchFields on PrintBatch {
  id
  status
  format
  lang
  total
  done
  progress
  error
  waitingReason
  size
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<StartPrintMutation, StartPrintMutationVariables>;
export const PrintBatchDocument = new TypedDocumentString(`
    query PrintBatch($id: ID!) {
  printBatch(id: $id) {
    ...PrintBatchFields
  }
}
    fragment PrintBatchFields on PrintBatch {
  id
  status
  format
  lang
  total
  done
  progress
  error
  waitingReason
  size
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<PrintBatchQuery, PrintBatchQueryVariables>;
export const PrintBatchLinkDocument = new TypedDocumentString(`
    query PrintBatchLink($id: ID!) {
  printBatch(id: $id) {
    id
    downloadUrl
  }
}
    `) as unknown as TypedDocumentString<PrintBatchLinkQuery, PrintBatchLinkQueryVariables>;
export const RetryPrintDocument = new TypedDocumentString(`
    mutation RetryPrint($id: ID!) {
  retryPrintBatch(id: $id) {
    ...PrintBatchFields
  }
}
    fragment PrintBatchFields on PrintBatch {
  id
  status
  format
  lang
  total
  done
  progress
  error
  waitingReason
  size
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<RetryPrintMutation, RetryPrintMutationVariables>;
export const SearchCertsDocument = new TypedDocumentString(`
    query SearchCerts($code: String, $name: String, $c: ID, $s: CertificateStatus, $first: Int, $after: String) {
  searchCertificates(
    code: $code
    name: $name
    courseId: $c
    status: $s
    first: $first
    after: $after
  ) {
    nodes {
      ...CertificateSummary
    }
    pageInfo {
      endCursor
      hasNextPage
    }
    totalCount
  }
}
    fragment CertificateSummary on Certificate {
  id
  code
  learnerName
  courseTitle
  issuedAt
  status
  revokedAt
  revocationReason
}`) as unknown as TypedDocumentString<SearchCertsQuery, SearchCertsQueryVariables>;
export const RevokeDocument = new TypedDocumentString(`
    mutation Revoke($id: ID!, $r: String!) {
  revokeCertificate(id: $id, reason: $r) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<RevokeMutation, RevokeMutationVariables>;
export const CatalogueDocument = new TypedDocumentString(`
    query Catalogue($ui: String, $search: String, $topic: String, $lang: String, $first: Int, $after: String) {
  courses(
    status: PUBLISHED
    search: $search
    topic: $topic
    lang: $lang
    first: $first
    after: $after
  ) {
    totalCount
    pageInfo {
      endCursor
      hasNextPage
    }
    nodes {
      id
      title(lang: $ui)
      summary(lang: $ui)
      languages
      topics
      version
    }
  }
}
    `) as unknown as TypedDocumentString<CatalogueQuery, CatalogueQueryVariables>;
export const CertificatePdfLinkDocument = new TypedDocumentString(`
    query CertificatePdfLink {
  myCertificates {
    id
    pdfUrl
  }
}
    `) as unknown as TypedDocumentString<CertificatePdfLinkQuery, CertificatePdfLinkQueryVariables>;
export const CertificateCredentialJsonDocument = new TypedDocumentString(`
    query CertificateCredentialJson {
  myCertificates {
    id
    credentialDataIntegrity
  }
}
    `) as unknown as TypedDocumentString<CertificateCredentialJsonQuery, CertificateCredentialJsonQueryVariables>;
export const MyCertificatesDocument = new TypedDocumentString(`
    query MyCertificates {
  myCertificates {
    ...CertificateSummary
    pdfUrl
    verifyUrl
    linkedInUrl
  }
}
    fragment CertificateSummary on Certificate {
  id
  code
  learnerName
  courseTitle
  issuedAt
  status
  revokedAt
  revocationReason
}`) as unknown as TypedDocumentString<MyCertificatesQuery, MyCertificatesQueryVariables>;
export const CheckInEnrolmentDocument = new TypedDocumentString(`
    query CheckInEnrolment($c: ID!, $ui: String) {
  course(id: $c) {
    id
    title(lang: $ui)
    enrollment {
      id
      status
      lessons {
        lessonId
        status
      }
    }
    modules {
      lessons {
        id
        kind
        title(lang: $ui)
        survey {
          anonymous
          questions {
            id
            kind
            prompt(lang: $ui)
            scale
            options {
              id
              label(lang: $ui)
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CheckInEnrolmentQuery, CheckInEnrolmentQueryVariables>;
export const CheckInDocument = new TypedDocumentString(`
    mutation CheckIn($e: ID!, $l: ID!, $code: String!) {
  checkIn(enrollmentId: $e, lessonId: $l, code: $code) {
    lessonId
    status
  }
}
    `) as unknown as TypedDocumentString<CheckInMutation, CheckInMutationVariables>;
export const SubmitSurveyDocument = new TypedDocumentString(`
    mutation SubmitSurvey($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {
  submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) {
    lessonId
    status
  }
}
    `) as unknown as TypedDocumentString<SubmitSurveyMutation, SubmitSurveyMutationVariables>;
export const CourseDocument = new TypedDocumentString(`
    query Course($id: ID!, $ui: String, $signedIn: Boolean!) {
  course(id: $id) {
    id
    title(lang: $ui)
    summary(lang: $ui)
    languages
    defaultLanguage
    topics
    version
    status
    calendarUrl
    modules {
      id
      position
      title(lang: $ui)
      lessons {
        id
        position
        kind
        title(lang: $ui)
        durationMinutes
        required
        live {
          startsAt
          endsAt
          timezone
          venue(lang: $ui)
          onlineUrl
        }
      }
    }
    enrollment @include(if: $signedIn) {
      ...EnrollmentFields
    }
  }
}
    fragment EnrollmentFields on Enrollment {
  id
  status
  progressPercent
  courseVersion
  resumeLessonId
  waitlistPosition
  reason
  lessons {
    lessonId
    status
    bestScore
    attempts
  }
  certificate {
    id
    code
  }
}`) as unknown as TypedDocumentString<CourseQuery, CourseQueryVariables>;
export const EnrolDocument = new TypedDocumentString(`
    mutation Enrol($c: ID!) {
  enroll(courseId: $c) {
    id
  }
}
    `) as unknown as TypedDocumentString<EnrolMutation, EnrolMutationVariables>;
export const WithdrawRegistrationDocument = new TypedDocumentString(`
    mutation WithdrawRegistration($e: ID!) {
  withdraw(enrollmentId: $e) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<WithdrawRegistrationMutation, WithdrawRegistrationMutationVariables>;
export const MineDocument = new TypedDocumentString(`
    query Mine($ui: String) {
  myEnrollments {
    id
    status
    progressPercent
    enrolledAt
    completedAt
    resumeLessonId
    course {
      id
      title(lang: $ui)
    }
    certificate {
      id
      code
    }
  }
}
    `) as unknown as TypedDocumentString<MineQuery, MineQueryVariables>;
export const PlayerDocument = new TypedDocumentString(`
    query Player($id: ID!, $ui: String) {
  course(id: $id) {
    id
    title(lang: $ui)
    version
    modules {
      id
      position
      title(lang: $ui)
      lessons {
        id
        position
        kind
        title(lang: $ui)
        body(lang: $ui)
        durationMinutes
        required
        material {
          id
          filename
          contentType
          size
          status
          downloadUrl
        }
        quiz {
          passScore
          questions {
            id
            prompt(lang: $ui)
            multiple
            options {
              id
              label(lang: $ui)
            }
          }
        }
      }
    }
    enrollment {
      ...EnrollmentFields
    }
  }
}
    fragment EnrollmentFields on Enrollment {
  id
  status
  progressPercent
  courseVersion
  resumeLessonId
  waitlistPosition
  reason
  lessons {
    lessonId
    status
    bestScore
    attempts
  }
  certificate {
    id
    code
  }
}`) as unknown as TypedDocumentString<PlayerQuery, PlayerQueryVariables>;
export const MaterialLinkDocument = new TypedDocumentString(`
    query MaterialLink($id: ID!) {
  course(id: $id) {
    id
    modules {
      id
      lessons {
        id
        material {
          id
          downloadUrl
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MaterialLinkQuery, MaterialLinkQueryVariables>;
export const CompleteDocument = new TypedDocumentString(`
    mutation Complete($e: ID!, $l: ID!) {
  completeLesson(enrollmentId: $e, lessonId: $l) {
    id
  }
}
    `) as unknown as TypedDocumentString<CompleteMutation, CompleteMutationVariables>;
export const SubmitDocument = new TypedDocumentString(`
    mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {
  submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) {
    score
    passed
    attempt
    questions {
      questionId
      correct
    }
  }
}
    `) as unknown as TypedDocumentString<SubmitMutation, SubmitMutationVariables>;
export const VerifyDocument = new TypedDocumentString(`
    query Verify($code: String!, $ui: String) {
  verifyCertificate(code: $code) {
    code
    valid
    status
    learnerName
    courseTitle
    issuedAt
    issuer(lang: $ui)
    revokedAt
    revocationReason
    proofs {
      format
      verified
    }
  }
}
    `) as unknown as TypedDocumentString<VerifyQuery, VerifyQueryVariables>;
export const OpenCheckInDocument = new TypedDocumentString(`
    mutation OpenCheckIn($l: ID!, $m: Int) {
  openCheckIn(lessonId: $l, minutes: $m) {
    code
    url
    expiresAt
    closesAt
  }
}
    `) as unknown as TypedDocumentString<OpenCheckInMutation, OpenCheckInMutationVariables>;
export const SessionAttendanceDocument = new TypedDocumentString(`
    query SessionAttendance($c: ID!, $l: ID!, $ui: String) {
  course(id: $c) {
    id
    title(lang: $ui)
    modules {
      lessons {
        id
        title(lang: $ui)
      }
    }
    attendance(lessonId: $l) {
      learnerId
      learnerName
      org
      municipality
      present
      checkedInAt
      method
    }
  }
}
    `) as unknown as TypedDocumentString<SessionAttendanceQuery, SessionAttendanceQueryVariables>;
export const MarkAttendanceDocument = new TypedDocumentString(`
    mutation MarkAttendance($l: ID!, $who: [ID!]!, $p: Boolean!) {
  markAttendance(lessonId: $l, learnerIds: $who, present: $p) {
    learnerId
    present
    checkedInAt
    method
  }
}
    `) as unknown as TypedDocumentString<MarkAttendanceMutation, MarkAttendanceMutationVariables>;
export const AttendanceCsvDocument = new TypedDocumentString(`
    query AttendanceCsv($c: ID!, $l: ID!) {
  course(id: $c) {
    id
    attendanceCsvUrl(lessonId: $l)
  }
}
    `) as unknown as TypedDocumentString<AttendanceCsvQuery, AttendanceCsvQueryVariables>;
export const TeachDocument = new TypedDocumentString(`
    query Teach($ui: String) {
  courses(first: 100) {
    nodes {
      id
      title(lang: $ui)
      status
      version
      ownerId
      languages
    }
  }
}
    `) as unknown as TypedDocumentString<TeachQuery, TeachQueryVariables>;
export const CreateDocument = new TypedDocumentString(`
    mutation Create($input: CreateCourseInput!) {
  createCourse(input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<CreateMutation, CreateMutationVariables>;
export const EditorDocument = new TypedDocumentString(`
    query Editor($id: ID!, $ui: String) {
  course(id: $id) {
    id
    slug
    title(lang: $ui)
    titles {
      lang
      text
    }
    languages
    defaultLanguage
    topics
    status
    version
    hasUnpublishedChanges
    incompleteLanguages
    certificatePolicy {
      autoIssue
      kind
    }
    registration {
      capacity
      approvalRequired
      waitlist
      closesAt
      quotas {
        org
        seats
      }
    }
    summary_en: summary(lang: "en")
    summary_tr: summary(lang: "tr")
    summary_az: summary(lang: "az")
    summary_kk: summary(lang: "kk")
    summary_ky: summary(lang: "ky")
    summary_uz: summary(lang: "uz")
    summary_ru: summary(lang: "ru")
    modules {
      id
      position
      title(lang: $ui)
      titles {
        lang
        text
      }
      lessons {
        id
        position
        kind
        title(lang: $ui)
        titles {
          lang
          text
        }
        bodies {
          lang
          text
        }
        required
        durationMinutes
        material {
          id
          filename
          status
          size
        }
        quiz {
          passScore
          questions {
            id
          }
        }
        live {
          startsAt
          timezone
        }
        survey {
          questions {
            id
          }
        }
      }
    }
    ...CourseStatsFields
  }
}
    fragment CourseStatsFields on Course {
  stats {
    enrolled
    completed
    certificatesIssued
    byOrg {
      key
      enrolled
      completed
    }
    byMunicipality {
      key
      enrolled
      completed
    }
  }
}`) as unknown as TypedDocumentString<EditorQuery, EditorQueryVariables>;
export const MoveModuleDocument = new TypedDocumentString(`
    mutation MoveModule($id: ID!, $p: Int!) {
  moveModule(id: $id, position: $p) {
    id
  }
}
    `) as unknown as TypedDocumentString<MoveModuleMutation, MoveModuleMutationVariables>;
export const MoveLessonDocument = new TypedDocumentString(`
    mutation MoveLesson($id: ID!, $p: Int!) {
  moveLesson(id: $id, position: $p) {
    id
  }
}
    `) as unknown as TypedDocumentString<MoveLessonMutation, MoveLessonMutationVariables>;
export const UpdateDocument = new TypedDocumentString(`
    mutation Update($id: ID!, $input: UpdateCourseInput!) {
  updateCourse(id: $id, input: $input) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateMutation, UpdateMutationVariables>;
export const DeleteModuleDocument = new TypedDocumentString(`
    mutation DeleteModule($id: ID!) {
  deleteModule(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteModuleMutation, DeleteModuleMutationVariables>;
export const DeleteLessonDocument = new TypedDocumentString(`
    mutation DeleteLesson($id: ID!) {
  deleteLesson(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteLessonMutation, DeleteLessonMutationVariables>;
export const UpdateModuleDocument = new TypedDocumentString(`
    mutation UpdateModule($id: ID!, $i: ModuleInput!) {
  updateModule(id: $id, input: $i) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateModuleMutation, UpdateModuleMutationVariables>;
export const AddModuleDocument = new TypedDocumentString(`
    mutation AddModule($c: ID!, $i: ModuleInput!) {
  addModule(courseId: $c, input: $i) {
    id
  }
}
    `) as unknown as TypedDocumentString<AddModuleMutation, AddModuleMutationVariables>;
export const UpdateLessonDocument = new TypedDocumentString(`
    mutation UpdateLesson($id: ID!, $i: UpdateLessonInput!) {
  updateLesson(id: $id, input: $i) {
    id
  }
}
    `) as unknown as TypedDocumentString<UpdateLessonMutation, UpdateLessonMutationVariables>;
export const LessonDetailsDocument = new TypedDocumentString(`
    query LessonDetails($course: ID!, $lesson: ID!) {
  course(id: $course) {
    id
    lesson(id: $lesson) {
      id
      live {
        startsAt
        endsAt
        timezone
        venues {
          lang
          text
        }
        editorOnlineUrl
        capacity
      }
      survey {
        anonymous
        questions {
          id
          kind
          prompts {
            lang
            text
          }
          scale
          options {
            id
            labels {
              lang
              text
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<LessonDetailsQuery, LessonDetailsQueryVariables>;
export const AddLessonDocument = new TypedDocumentString(`
    mutation AddLesson($m: ID!, $i: LessonInput!) {
  addLesson(moduleId: $m, input: $i) {
    id
  }
}
    `) as unknown as TypedDocumentString<AddLessonMutation, AddLessonMutationVariables>;
export const LessonPreviewDocument = new TypedDocumentString(`
    query LessonPreview($id: ID!, $l: String) {
  course(id: $id) {
    id
    modules {
      id
      lessons {
        id
        kind
        title(lang: $l)
        body(lang: $l)
        durationMinutes
        required
        material {
          filename
        }
        quiz {
          passScore
          questions {
            id
            prompt(lang: $l)
            multiple
            options {
              id
              label(lang: $l)
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<LessonPreviewQuery, LessonPreviewQueryVariables>;
export const RequestDocument = new TypedDocumentString(`
    mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {
  requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {
    uploadUrl
    uploadMethod
    uploadFields {
      name
      value
    }
    material {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<RequestMutation, RequestMutationVariables>;
export const ConfirmDocument = new TypedDocumentString(`
    mutation Confirm($m: ID!) {
  confirmMaterialUpload(materialId: $m) {
    id
    filename
    size
    status
  }
}
    `) as unknown as TypedDocumentString<ConfirmMutation, ConfirmMutationVariables>;
export const PublishDocument = new TypedDocumentString(`
    mutation Publish($id: ID!) {
  publishCourse(id: $id) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<PublishMutation, PublishMutationVariables>;
export const SurveyResultsDocument = new TypedDocumentString(`
    query SurveyResults($c: ID!, $l: ID!, $ui: String) {
  course(id: $c) {
    id
    title(lang: $ui)
    modules {
      lessons {
        id
        kind
        title(lang: $ui)
        survey {
          anonymous
          questions {
            id
            kind
            prompt(lang: $ui)
            scale
            options {
              id
              label(lang: $ui)
            }
          }
        }
      }
    }
    surveyResults(lessonId: $l) {
      questionId
      responses
      mean
      distribution
      optionCounts
      texts
    }
  }
}
    `) as unknown as TypedDocumentString<SurveyResultsQuery, SurveyResultsQueryVariables>;
export const RootFieldsDocument = new TypedDocumentString(`
    query RootFields {
  q: __type(name: "Query") {
    fields {
      name
    }
  }
  m: __type(name: "Mutation") {
    fields {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<RootFieldsQuery, RootFieldsQueryVariables>;