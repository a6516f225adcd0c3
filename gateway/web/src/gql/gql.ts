/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query NotificationsPage($first: Int, $after: String, $lang: String) {\n  myNotifications(first: $first, after: $after, lang: $lang) {\n    totalCount unread\n    pageInfo { hasNextPage endCursor }\n    nodes { id kind title body url createdAt readAt }\n  }\n}": typeof types.NotificationsPageDocument,
    "query UnreadNotifications { myNotifications(unreadOnly: true, first: 1) { unread } }": typeof types.UnreadNotificationsDocument,
    "subscription NotificationReceived($lang: String) {\n  notificationReceived(lang: $lang) { id kind title body url createdAt readAt }\n}": typeof types.NotificationReceivedDocument,
    "mutation MarkNotificationsRead($ids: [ID!]) { markNotificationsRead(ids: $ids) }": typeof types.MarkNotificationsReadDocument,
    "query NotificationPreferences { myNotificationPreferences { email mutedEmailKinds digest locale } }": typeof types.NotificationPreferencesDocument,
    "mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n  updateNotificationPreferences(input: $input) { email mutedEmailKinds digest locale }\n}": typeof types.UpdateNotificationPreferencesDocument,
    "mutation CompleteQueued($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }": typeof types.CompleteQueuedDocument,
    "\n  query ApprovalQueue($c: ID, $ui: String) {\n    pendingEnrollments(courseId: $c) {\n      id learnerId learnerName org municipality enrolledAt status\n      course { id title(lang: $ui) }\n    }\n  }\n": typeof types.ApprovalQueueDocument,
    "mutation ApproveRegistration($id: ID!) { approveEnrollment(id: $id) { id status } }": typeof types.ApproveRegistrationDocument,
    "mutation RejectRegistration($id: ID!, $r: String!) { rejectEnrollment(id: $id, reason: $r) { id status reason } }": typeof types.RejectRegistrationDocument,
    "fragment BulkJobFields on BulkIssueJob {\n  id courseId status dryRun total issued skipped refused failed createdAt finishedAt\n}": typeof types.BulkJobFieldsFragmentDoc,
    "fragment BulkRowFields on BulkIssueRow {\n  row name learnerId email org municipality outcome reasonCode reason certificateCode\n}": typeof types.BulkRowFieldsFragmentDoc,
    "mutation PreviewBulk($input: BulkIssueInput!) {\n  startBulkIssue(input: $input, dryRun: true) {\n    ...BulkJobFields\n    refusedRows: rows(outcome: REFUSED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    skippedRows: rows(outcome: SKIPPED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    readyRows: rows(outcome: ISSUED, first: 250) { totalCount nodes { ...BulkRowFields } }\n  }\n}": typeof types.PreviewBulkDocument,
    "mutation StartBulk($input: BulkIssueInput!) { startBulkIssue(input: $input) { ...BulkJobFields } }": typeof types.StartBulkDocument,
    "query Job($id: ID!) { bulkIssueJob(id: $id) { ...BulkJobFields } }": typeof types.JobDocument,
    "query JobRows($id: ID!, $after: String) {\n  bulkIssueJob(id: $id) { rows(first: 1000, after: $after) { nodes { ...BulkRowFields } pageInfo { endCursor hasNextPage } } }\n}": typeof types.JobRowsDocument,
    "subscription Progress($id: ID!) { bulkIssueProgress(jobId: $id) { ...BulkJobFields } }": typeof types.ProgressDocument,
    "query Jobs($c: ID) { bulkIssueJobs(courseId: $c) { ...BulkJobFields } }": typeof types.JobsDocument,
    "query CobrandingVariants {\n  certificateVariants { org version hasLogo createdAt partnerNames { lang text } signatories { name hasSignatureImage titles { lang text } } }\n}": typeof types.CobrandingVariantsDocument,
    "mutation SaveCobranding($org: String!, $input: CertificateVariantInput!) {\n  saveCertificateVariant(org: $org, input: $input) { org version }\n}": typeof types.SaveCobrandingDocument,
    "mutation RemoveCobranding($org: String!) { removeCertificateVariant(org: $org) }": typeof types.RemoveCobrandingDocument,
    "mutation PreviewCobranding($org: String!, $input: CertificateVariantInput, $lang: String) {\n  previewCertificateVariant(org: $org, input: $input, lang: $lang)\n}": typeof types.PreviewCobrandingDocument,
    "query Courses($ui: String, $status: CourseStatus) { courses(status: $status, first: 100) { nodes { id title(lang: $ui) } } }": typeof types.CoursesDocument,
    "fragment ReportRowFields on ReportRow {\n  org municipality courseId courseTitle month enrolled completed certificates learners\n}": typeof types.ReportRowFieldsFragmentDoc,
    "query NationalReport($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  table: report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { rows { ...ReportRowFields } totals { ...ReportRowFields } }\n  byMonth: report(groupBy: [MONTH], org: $org, courseId: $courseId, from: $from, to: $to) { rows { month enrolled completed } }\n  byMunicipality: report(groupBy: [ORG, MUNICIPALITY], org: $org, courseId: $courseId, from: $from, to: $to) { rows { org municipality enrolled completed } }\n}": typeof types.NationalReportDocument,
    "query NationalReportCsv($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { csvUrl }\n}": typeof types.NationalReportCsvDocument,
    "query LearnerDirectory($org: String, $municipality: String, $search: String, $first: Int, $after: String, $ui: String) {\n  learners(org: $org, municipality: $municipality, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    nodes {\n      id name org municipality lastActiveAt\n      enrollments { id status progressPercent enrolledAt completedAt course { id title(lang: $ui) } }\n      certificates { id code courseTitle issuedAt status }\n    }\n  }\n}": typeof types.LearnerDirectoryDocument,
    "query LearnerExport($learnerId: ID!) { learnerExport(learnerId: $learnerId) }": typeof types.LearnerExportDocument,
    "mutation EraseLearner($learnerId: ID!, $reason: String) {\n  eraseLearner(learnerId: $learnerId, reason: $reason) { learnerId pseudonym erasedAt }\n}": typeof types.EraseLearnerDocument,
    "\n  query ParkedEmails($first: Int, $after: String) {\n    emailDeliveries(status: PARKED, first: $first, after: $after) {\n      nodes { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n      pageInfo { hasNextPage endCursor }\n      totalCount\n    }\n  }\n": typeof types.ParkedEmailsDocument,
    "\n  mutation ReplayParkedEmail($id: ID!) {\n    replayEmailDelivery(id: $id) { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n  }\n": typeof types.ReplayParkedEmailDocument,
    "fragment PrintBatchFields on PrintBatch {\n  id status format lang total done progress error waitingReason size createdAt finishedAt\n}": typeof types.PrintBatchFieldsFragmentDoc,
    "mutation StartPrint($input: PrintBatchInput!) { startPrintBatch(input: $input) { ...PrintBatchFields } }": typeof types.StartPrintDocument,
    "query PrintBatch($id: ID!) { printBatch(id: $id) { ...PrintBatchFields } }": typeof types.PrintBatchDocument,
    "query PrintBatchLink($id: ID!) { printBatch(id: $id) { id downloadUrl } }": typeof types.PrintBatchLinkDocument,
    "mutation RetryPrint($id: ID!) { retryPrintBatch(id: $id) { ...PrintBatchFields } }": typeof types.RetryPrintDocument,
    "\n  query SearchCerts($code: String, $name: String, $c: ID, $s: CertificateStatus, $first: Int, $after: String) {\n    searchCertificates(code: $code, name: $name, courseId: $c, status: $s, first: $first, after: $after) {\n      nodes { ...CertificateSummary }\n      pageInfo { endCursor hasNextPage }\n      totalCount\n    }\n  }\n": typeof types.SearchCertsDocument,
    "mutation Revoke($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { id status } }": typeof types.RevokeDocument,
    "query Catalogue($ui: String, $search: String, $topic: String, $lang: String, $first: Int, $after: String) {\n  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: $first, after: $after) {\n    totalCount\n    pageInfo { endCursor hasNextPage }\n    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }\n  }\n}": typeof types.CatalogueDocument,
    "fragment CertificateSummary on Certificate {\n  id code learnerName courseTitle issuedAt status revokedAt revocationReason\n}": typeof types.CertificateSummaryFragmentDoc,
    "query CertificatePdfLink { myCertificates { id pdfUrl } }": typeof types.CertificatePdfLinkDocument,
    "query CertificateCredentialJson { myCertificates { id credentialDataIntegrity } }": typeof types.CertificateCredentialJsonDocument,
    "query MyCertificates { myCertificates { ...CertificateSummary pdfUrl verifyUrl linkedInUrl } }": typeof types.MyCertificatesDocument,
    "\n  query CheckInEnrolment($c: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      enrollment { id status lessons { lessonId status } }\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n    }\n  }\n": typeof types.CheckInEnrolmentDocument,
    "\n  mutation CheckIn($e: ID!, $l: ID!, $code: String!) { checkIn(enrollmentId: $e, lessonId: $l, code: $code) { lessonId status } }\n": typeof types.CheckInDocument,
    "\n  mutation SubmitSurvey($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {\n    submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) { lessonId status }\n  }\n": typeof types.SubmitSurveyDocument,
    "fragment EnrollmentFields on Enrollment {\n  id status progressPercent courseVersion resumeLessonId waitlistPosition reason\n  lessons { lessonId status bestScore attempts } certificate { id code }\n}": typeof types.EnrollmentFieldsFragmentDoc,
    "query Course($id: ID!, $ui: String, $signedIn: Boolean!) {\n  course(id: $id) {\n    id title(lang: $ui) summary(lang: $ui) languages defaultLanguage topics version status calendarUrl\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) durationMinutes required\n        live { startsAt endsAt timezone venue(lang: $ui) onlineUrl } } }\n    enrollment @include(if: $signedIn) { ...EnrollmentFields }\n  }\n}": typeof types.CourseDocument,
    "mutation Enrol($c: ID!) { enroll(courseId: $c) { id } }": typeof types.EnrolDocument,
    "mutation WithdrawRegistration($e: ID!) { withdraw(enrollmentId: $e) { id status } }": typeof types.WithdrawRegistrationDocument,
    "query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId\n      course { id title(lang: $ui) } certificate { id code } } }": typeof types.MineDocument,
    "query Player($id: ID!, $ui: String) {\n  course(id: $id) {\n    id title(lang: $ui) version\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) body(lang: $ui) durationMinutes required\n        material { id filename contentType size status downloadUrl }\n        quiz { passScore questions { id prompt(lang: $ui) multiple options { id label(lang: $ui) } } } } }\n    enrollment { ...EnrollmentFields }\n  }\n}": typeof types.PlayerDocument,
    "query MaterialLink($id: ID!) {\n  course(id: $id) { id modules { id lessons { id material { id downloadUrl } } } }\n}": typeof types.MaterialLinkDocument,
    "mutation Complete($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }": typeof types.CompleteDocument,
    "mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {\n          submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) { score passed attempt questions { questionId correct } }\n        }": typeof types.SubmitDocument,
    "query Verify($code: String!, $ui: String) { verifyCertificate(code: $code) {\n      code valid status learnerName courseTitle issuedAt issuer(lang: $ui) revokedAt revocationReason\n      proofs { format verified } } }": typeof types.VerifyDocument,
    "\n  mutation OpenCheckIn($l: ID!, $m: Int) { openCheckIn(lessonId: $l, minutes: $m) { code url expiresAt closesAt } }\n": typeof types.OpenCheckInDocument,
    "\n  query SessionAttendance($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules { lessons { id title(lang: $ui) } }\n      attendance(lessonId: $l) { learnerId learnerName org municipality present checkedInAt method }\n    }\n  }\n": typeof types.SessionAttendanceDocument,
    "\n  mutation MarkAttendance($l: ID!, $who: [ID!]!, $p: Boolean!) {\n    markAttendance(lessonId: $l, learnerIds: $who, present: $p) { learnerId present checkedInAt method }\n  }\n": typeof types.MarkAttendanceDocument,
    "query AttendanceCsv($c: ID!, $l: ID!) { course(id: $c) { id attendanceCsvUrl(lessonId: $l) } }": typeof types.AttendanceCsvDocument,
    "query Teach($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) status version ownerId languages } } }": typeof types.TeachDocument,
    "mutation Create($input: CreateCourseInput!) { createCourse(input: $input) { id } }": typeof types.CreateDocument,
    "query Editor($id: ID!, $ui: String) {\n  course(id: $id) {\n    id slug title(lang: $ui) titles { lang text } languages defaultLanguage topics status version\n    hasUnpublishedChanges incompleteLanguages\n    certificatePolicy { autoIssue kind }\n    registration { capacity approvalRequired waitlist closesAt quotas { org seats } }\n    summary_en: summary(lang: \"en\") summary_tr: summary(lang: \"tr\") summary_az: summary(lang: \"az\")\n    summary_kk: summary(lang: \"kk\") summary_ky: summary(lang: \"ky\") summary_uz: summary(lang: \"uz\")\n    summary_ru: summary(lang: \"ru\")\n    modules { id position title(lang: $ui) titles { lang text }\n      lessons { id position kind title(lang: $ui) titles { lang text } bodies { lang text } required durationMinutes\n        material { id filename status size } quiz { passScore questions { id } }\n        live { startsAt timezone } survey { questions { id } } } }\n    ...CourseStatsFields\n  }\n}": typeof types.EditorDocument,
    "mutation MoveModule($id: ID!, $p: Int!) { moveModule(id: $id, position: $p) { id } }": typeof types.MoveModuleDocument,
    "mutation MoveLesson($id: ID!, $p: Int!) { moveLesson(id: $id, position: $p) { id } }": typeof types.MoveLessonDocument,
    "mutation Update($id: ID!, $input: UpdateCourseInput!) { updateCourse(id: $id, input: $input) { id } }": typeof types.UpdateDocument,
    "mutation DeleteModule($id: ID!) { deleteModule(id: $id) }": typeof types.DeleteModuleDocument,
    "mutation DeleteLesson($id: ID!) { deleteLesson(id: $id) }": typeof types.DeleteLessonDocument,
    "mutation UpdateModule($id: ID!, $i: ModuleInput!) { updateModule(id: $id, input: $i) { id } }": typeof types.UpdateModuleDocument,
    "mutation AddModule($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }": typeof types.AddModuleDocument,
    "mutation UpdateLesson($id: ID!, $i: UpdateLessonInput!) { updateLesson(id: $id, input: $i) { id } }": typeof types.UpdateLessonDocument,
    "query LessonDetails($course: ID!, $lesson: ID!) {\n  course(id: $course) { id lesson(id: $lesson) { id\n    live { startsAt endsAt timezone venues { lang text } editorOnlineUrl capacity }\n    survey { anonymous questions { id kind prompts { lang text } scale options { id labels { lang text } } } } } }\n}": typeof types.LessonDetailsDocument,
    "mutation AddLesson($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }": typeof types.AddLessonDocument,
    "query LessonPreview($id: ID!, $l: String) {\n  course(id: $id) { id modules { id lessons { id kind title(lang: $l) body(lang: $l) durationMinutes required\n    material { filename }\n    quiz { passScore questions { id prompt(lang: $l) multiple options { id label(lang: $l) } } } } } }\n}": typeof types.LessonPreviewDocument,
    "mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {\n          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {\n            uploadUrl uploadMethod uploadFields { name value } material { id }\n          }\n        }": typeof types.RequestDocument,
    "mutation Confirm($m: ID!) { confirmMaterialUpload(materialId: $m) { id filename size status } }": typeof types.ConfirmDocument,
    "mutation Publish($id: ID!) { publishCourse(id: $id) { id status version } }": typeof types.PublishDocument,
    "fragment CourseStatsFields on Course {\n  stats { enrolled completed certificatesIssued byOrg { key enrolled completed } byMunicipality { key enrolled completed } }\n}": typeof types.CourseStatsFieldsFragmentDoc,
    "\n  query SurveyResults($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n      surveyResults(lessonId: $l) { questionId responses mean distribution optionCounts texts }\n    }\n  }\n": typeof types.SurveyResultsDocument,
    "query RootFields { q: __type(name: \"Query\") { fields { name } } m: __type(name: \"Mutation\") { fields { name } } }": typeof types.RootFieldsDocument,
};
const documents: Documents = {
    "query NotificationsPage($first: Int, $after: String, $lang: String) {\n  myNotifications(first: $first, after: $after, lang: $lang) {\n    totalCount unread\n    pageInfo { hasNextPage endCursor }\n    nodes { id kind title body url createdAt readAt }\n  }\n}": types.NotificationsPageDocument,
    "query UnreadNotifications { myNotifications(unreadOnly: true, first: 1) { unread } }": types.UnreadNotificationsDocument,
    "subscription NotificationReceived($lang: String) {\n  notificationReceived(lang: $lang) { id kind title body url createdAt readAt }\n}": types.NotificationReceivedDocument,
    "mutation MarkNotificationsRead($ids: [ID!]) { markNotificationsRead(ids: $ids) }": types.MarkNotificationsReadDocument,
    "query NotificationPreferences { myNotificationPreferences { email mutedEmailKinds digest locale } }": types.NotificationPreferencesDocument,
    "mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n  updateNotificationPreferences(input: $input) { email mutedEmailKinds digest locale }\n}": types.UpdateNotificationPreferencesDocument,
    "mutation CompleteQueued($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }": types.CompleteQueuedDocument,
    "\n  query ApprovalQueue($c: ID, $ui: String) {\n    pendingEnrollments(courseId: $c) {\n      id learnerId learnerName org municipality enrolledAt status\n      course { id title(lang: $ui) }\n    }\n  }\n": types.ApprovalQueueDocument,
    "mutation ApproveRegistration($id: ID!) { approveEnrollment(id: $id) { id status } }": types.ApproveRegistrationDocument,
    "mutation RejectRegistration($id: ID!, $r: String!) { rejectEnrollment(id: $id, reason: $r) { id status reason } }": types.RejectRegistrationDocument,
    "fragment BulkJobFields on BulkIssueJob {\n  id courseId status dryRun total issued skipped refused failed createdAt finishedAt\n}": types.BulkJobFieldsFragmentDoc,
    "fragment BulkRowFields on BulkIssueRow {\n  row name learnerId email org municipality outcome reasonCode reason certificateCode\n}": types.BulkRowFieldsFragmentDoc,
    "mutation PreviewBulk($input: BulkIssueInput!) {\n  startBulkIssue(input: $input, dryRun: true) {\n    ...BulkJobFields\n    refusedRows: rows(outcome: REFUSED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    skippedRows: rows(outcome: SKIPPED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    readyRows: rows(outcome: ISSUED, first: 250) { totalCount nodes { ...BulkRowFields } }\n  }\n}": types.PreviewBulkDocument,
    "mutation StartBulk($input: BulkIssueInput!) { startBulkIssue(input: $input) { ...BulkJobFields } }": types.StartBulkDocument,
    "query Job($id: ID!) { bulkIssueJob(id: $id) { ...BulkJobFields } }": types.JobDocument,
    "query JobRows($id: ID!, $after: String) {\n  bulkIssueJob(id: $id) { rows(first: 1000, after: $after) { nodes { ...BulkRowFields } pageInfo { endCursor hasNextPage } } }\n}": types.JobRowsDocument,
    "subscription Progress($id: ID!) { bulkIssueProgress(jobId: $id) { ...BulkJobFields } }": types.ProgressDocument,
    "query Jobs($c: ID) { bulkIssueJobs(courseId: $c) { ...BulkJobFields } }": types.JobsDocument,
    "query CobrandingVariants {\n  certificateVariants { org version hasLogo createdAt partnerNames { lang text } signatories { name hasSignatureImage titles { lang text } } }\n}": types.CobrandingVariantsDocument,
    "mutation SaveCobranding($org: String!, $input: CertificateVariantInput!) {\n  saveCertificateVariant(org: $org, input: $input) { org version }\n}": types.SaveCobrandingDocument,
    "mutation RemoveCobranding($org: String!) { removeCertificateVariant(org: $org) }": types.RemoveCobrandingDocument,
    "mutation PreviewCobranding($org: String!, $input: CertificateVariantInput, $lang: String) {\n  previewCertificateVariant(org: $org, input: $input, lang: $lang)\n}": types.PreviewCobrandingDocument,
    "query Courses($ui: String, $status: CourseStatus) { courses(status: $status, first: 100) { nodes { id title(lang: $ui) } } }": types.CoursesDocument,
    "fragment ReportRowFields on ReportRow {\n  org municipality courseId courseTitle month enrolled completed certificates learners\n}": types.ReportRowFieldsFragmentDoc,
    "query NationalReport($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  table: report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { rows { ...ReportRowFields } totals { ...ReportRowFields } }\n  byMonth: report(groupBy: [MONTH], org: $org, courseId: $courseId, from: $from, to: $to) { rows { month enrolled completed } }\n  byMunicipality: report(groupBy: [ORG, MUNICIPALITY], org: $org, courseId: $courseId, from: $from, to: $to) { rows { org municipality enrolled completed } }\n}": types.NationalReportDocument,
    "query NationalReportCsv($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { csvUrl }\n}": types.NationalReportCsvDocument,
    "query LearnerDirectory($org: String, $municipality: String, $search: String, $first: Int, $after: String, $ui: String) {\n  learners(org: $org, municipality: $municipality, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    nodes {\n      id name org municipality lastActiveAt\n      enrollments { id status progressPercent enrolledAt completedAt course { id title(lang: $ui) } }\n      certificates { id code courseTitle issuedAt status }\n    }\n  }\n}": types.LearnerDirectoryDocument,
    "query LearnerExport($learnerId: ID!) { learnerExport(learnerId: $learnerId) }": types.LearnerExportDocument,
    "mutation EraseLearner($learnerId: ID!, $reason: String) {\n  eraseLearner(learnerId: $learnerId, reason: $reason) { learnerId pseudonym erasedAt }\n}": types.EraseLearnerDocument,
    "\n  query ParkedEmails($first: Int, $after: String) {\n    emailDeliveries(status: PARKED, first: $first, after: $after) {\n      nodes { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n      pageInfo { hasNextPage endCursor }\n      totalCount\n    }\n  }\n": types.ParkedEmailsDocument,
    "\n  mutation ReplayParkedEmail($id: ID!) {\n    replayEmailDelivery(id: $id) { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n  }\n": types.ReplayParkedEmailDocument,
    "fragment PrintBatchFields on PrintBatch {\n  id status format lang total done progress error waitingReason size createdAt finishedAt\n}": types.PrintBatchFieldsFragmentDoc,
    "mutation StartPrint($input: PrintBatchInput!) { startPrintBatch(input: $input) { ...PrintBatchFields } }": types.StartPrintDocument,
    "query PrintBatch($id: ID!) { printBatch(id: $id) { ...PrintBatchFields } }": types.PrintBatchDocument,
    "query PrintBatchLink($id: ID!) { printBatch(id: $id) { id downloadUrl } }": types.PrintBatchLinkDocument,
    "mutation RetryPrint($id: ID!) { retryPrintBatch(id: $id) { ...PrintBatchFields } }": types.RetryPrintDocument,
    "\n  query SearchCerts($code: String, $name: String, $c: ID, $s: CertificateStatus, $first: Int, $after: String) {\n    searchCertificates(code: $code, name: $name, courseId: $c, status: $s, first: $first, after: $after) {\n      nodes { ...CertificateSummary }\n      pageInfo { endCursor hasNextPage }\n      totalCount\n    }\n  }\n": types.SearchCertsDocument,
    "mutation Revoke($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { id status } }": types.RevokeDocument,
    "query Catalogue($ui: String, $search: String, $topic: String, $lang: String, $first: Int, $after: String) {\n  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: $first, after: $after) {\n    totalCount\n    pageInfo { endCursor hasNextPage }\n    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }\n  }\n}": types.CatalogueDocument,
    "fragment CertificateSummary on Certificate {\n  id code learnerName courseTitle issuedAt status revokedAt revocationReason\n}": types.CertificateSummaryFragmentDoc,
    "query CertificatePdfLink { myCertificates { id pdfUrl } }": types.CertificatePdfLinkDocument,
    "query CertificateCredentialJson { myCertificates { id credentialDataIntegrity } }": types.CertificateCredentialJsonDocument,
    "query MyCertificates { myCertificates { ...CertificateSummary pdfUrl verifyUrl linkedInUrl } }": types.MyCertificatesDocument,
    "\n  query CheckInEnrolment($c: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      enrollment { id status lessons { lessonId status } }\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n    }\n  }\n": types.CheckInEnrolmentDocument,
    "\n  mutation CheckIn($e: ID!, $l: ID!, $code: String!) { checkIn(enrollmentId: $e, lessonId: $l, code: $code) { lessonId status } }\n": types.CheckInDocument,
    "\n  mutation SubmitSurvey($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {\n    submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) { lessonId status }\n  }\n": types.SubmitSurveyDocument,
    "fragment EnrollmentFields on Enrollment {\n  id status progressPercent courseVersion resumeLessonId waitlistPosition reason\n  lessons { lessonId status bestScore attempts } certificate { id code }\n}": types.EnrollmentFieldsFragmentDoc,
    "query Course($id: ID!, $ui: String, $signedIn: Boolean!) {\n  course(id: $id) {\n    id title(lang: $ui) summary(lang: $ui) languages defaultLanguage topics version status calendarUrl\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) durationMinutes required\n        live { startsAt endsAt timezone venue(lang: $ui) onlineUrl } } }\n    enrollment @include(if: $signedIn) { ...EnrollmentFields }\n  }\n}": types.CourseDocument,
    "mutation Enrol($c: ID!) { enroll(courseId: $c) { id } }": types.EnrolDocument,
    "mutation WithdrawRegistration($e: ID!) { withdraw(enrollmentId: $e) { id status } }": types.WithdrawRegistrationDocument,
    "query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId\n      course { id title(lang: $ui) } certificate { id code } } }": types.MineDocument,
    "query Player($id: ID!, $ui: String) {\n  course(id: $id) {\n    id title(lang: $ui) version\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) body(lang: $ui) durationMinutes required\n        material { id filename contentType size status downloadUrl }\n        quiz { passScore questions { id prompt(lang: $ui) multiple options { id label(lang: $ui) } } } } }\n    enrollment { ...EnrollmentFields }\n  }\n}": types.PlayerDocument,
    "query MaterialLink($id: ID!) {\n  course(id: $id) { id modules { id lessons { id material { id downloadUrl } } } }\n}": types.MaterialLinkDocument,
    "mutation Complete($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }": types.CompleteDocument,
    "mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {\n          submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) { score passed attempt questions { questionId correct } }\n        }": types.SubmitDocument,
    "query Verify($code: String!, $ui: String) { verifyCertificate(code: $code) {\n      code valid status learnerName courseTitle issuedAt issuer(lang: $ui) revokedAt revocationReason\n      proofs { format verified } } }": types.VerifyDocument,
    "\n  mutation OpenCheckIn($l: ID!, $m: Int) { openCheckIn(lessonId: $l, minutes: $m) { code url expiresAt closesAt } }\n": types.OpenCheckInDocument,
    "\n  query SessionAttendance($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules { lessons { id title(lang: $ui) } }\n      attendance(lessonId: $l) { learnerId learnerName org municipality present checkedInAt method }\n    }\n  }\n": types.SessionAttendanceDocument,
    "\n  mutation MarkAttendance($l: ID!, $who: [ID!]!, $p: Boolean!) {\n    markAttendance(lessonId: $l, learnerIds: $who, present: $p) { learnerId present checkedInAt method }\n  }\n": types.MarkAttendanceDocument,
    "query AttendanceCsv($c: ID!, $l: ID!) { course(id: $c) { id attendanceCsvUrl(lessonId: $l) } }": types.AttendanceCsvDocument,
    "query Teach($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) status version ownerId languages } } }": types.TeachDocument,
    "mutation Create($input: CreateCourseInput!) { createCourse(input: $input) { id } }": types.CreateDocument,
    "query Editor($id: ID!, $ui: String) {\n  course(id: $id) {\n    id slug title(lang: $ui) titles { lang text } languages defaultLanguage topics status version\n    hasUnpublishedChanges incompleteLanguages\n    certificatePolicy { autoIssue kind }\n    registration { capacity approvalRequired waitlist closesAt quotas { org seats } }\n    summary_en: summary(lang: \"en\") summary_tr: summary(lang: \"tr\") summary_az: summary(lang: \"az\")\n    summary_kk: summary(lang: \"kk\") summary_ky: summary(lang: \"ky\") summary_uz: summary(lang: \"uz\")\n    summary_ru: summary(lang: \"ru\")\n    modules { id position title(lang: $ui) titles { lang text }\n      lessons { id position kind title(lang: $ui) titles { lang text } bodies { lang text } required durationMinutes\n        material { id filename status size } quiz { passScore questions { id } }\n        live { startsAt timezone } survey { questions { id } } } }\n    ...CourseStatsFields\n  }\n}": types.EditorDocument,
    "mutation MoveModule($id: ID!, $p: Int!) { moveModule(id: $id, position: $p) { id } }": types.MoveModuleDocument,
    "mutation MoveLesson($id: ID!, $p: Int!) { moveLesson(id: $id, position: $p) { id } }": types.MoveLessonDocument,
    "mutation Update($id: ID!, $input: UpdateCourseInput!) { updateCourse(id: $id, input: $input) { id } }": types.UpdateDocument,
    "mutation DeleteModule($id: ID!) { deleteModule(id: $id) }": types.DeleteModuleDocument,
    "mutation DeleteLesson($id: ID!) { deleteLesson(id: $id) }": types.DeleteLessonDocument,
    "mutation UpdateModule($id: ID!, $i: ModuleInput!) { updateModule(id: $id, input: $i) { id } }": types.UpdateModuleDocument,
    "mutation AddModule($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }": types.AddModuleDocument,
    "mutation UpdateLesson($id: ID!, $i: UpdateLessonInput!) { updateLesson(id: $id, input: $i) { id } }": types.UpdateLessonDocument,
    "query LessonDetails($course: ID!, $lesson: ID!) {\n  course(id: $course) { id lesson(id: $lesson) { id\n    live { startsAt endsAt timezone venues { lang text } editorOnlineUrl capacity }\n    survey { anonymous questions { id kind prompts { lang text } scale options { id labels { lang text } } } } } }\n}": types.LessonDetailsDocument,
    "mutation AddLesson($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }": types.AddLessonDocument,
    "query LessonPreview($id: ID!, $l: String) {\n  course(id: $id) { id modules { id lessons { id kind title(lang: $l) body(lang: $l) durationMinutes required\n    material { filename }\n    quiz { passScore questions { id prompt(lang: $l) multiple options { id label(lang: $l) } } } } } }\n}": types.LessonPreviewDocument,
    "mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {\n          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {\n            uploadUrl uploadMethod uploadFields { name value } material { id }\n          }\n        }": types.RequestDocument,
    "mutation Confirm($m: ID!) { confirmMaterialUpload(materialId: $m) { id filename size status } }": types.ConfirmDocument,
    "mutation Publish($id: ID!) { publishCourse(id: $id) { id status version } }": types.PublishDocument,
    "fragment CourseStatsFields on Course {\n  stats { enrolled completed certificatesIssued byOrg { key enrolled completed } byMunicipality { key enrolled completed } }\n}": types.CourseStatsFieldsFragmentDoc,
    "\n  query SurveyResults($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n      surveyResults(lessonId: $l) { questionId responses mean distribution optionCounts texts }\n    }\n  }\n": types.SurveyResultsDocument,
    "query RootFields { q: __type(name: \"Query\") { fields { name } } m: __type(name: \"Mutation\") { fields { name } } }": types.RootFieldsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NotificationsPage($first: Int, $after: String, $lang: String) {\n  myNotifications(first: $first, after: $after, lang: $lang) {\n    totalCount unread\n    pageInfo { hasNextPage endCursor }\n    nodes { id kind title body url createdAt readAt }\n  }\n}"): typeof import('./graphql').NotificationsPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UnreadNotifications { myNotifications(unreadOnly: true, first: 1) { unread } }"): typeof import('./graphql').UnreadNotificationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription NotificationReceived($lang: String) {\n  notificationReceived(lang: $lang) { id kind title body url createdAt readAt }\n}"): typeof import('./graphql').NotificationReceivedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MarkNotificationsRead($ids: [ID!]) { markNotificationsRead(ids: $ids) }"): typeof import('./graphql').MarkNotificationsReadDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NotificationPreferences { myNotificationPreferences { email mutedEmailKinds digest locale } }"): typeof import('./graphql').NotificationPreferencesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) {\n  updateNotificationPreferences(input: $input) { email mutedEmailKinds digest locale }\n}"): typeof import('./graphql').UpdateNotificationPreferencesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CompleteQueued($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }"): typeof import('./graphql').CompleteQueuedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApprovalQueue($c: ID, $ui: String) {\n    pendingEnrollments(courseId: $c) {\n      id learnerId learnerName org municipality enrolledAt status\n      course { id title(lang: $ui) }\n    }\n  }\n"): typeof import('./graphql').ApprovalQueueDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ApproveRegistration($id: ID!) { approveEnrollment(id: $id) { id status } }"): typeof import('./graphql').ApproveRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RejectRegistration($id: ID!, $r: String!) { rejectEnrollment(id: $id, reason: $r) { id status reason } }"): typeof import('./graphql').RejectRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment BulkJobFields on BulkIssueJob {\n  id courseId status dryRun total issued skipped refused failed createdAt finishedAt\n}"): typeof import('./graphql').BulkJobFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment BulkRowFields on BulkIssueRow {\n  row name learnerId email org municipality outcome reasonCode reason certificateCode\n}"): typeof import('./graphql').BulkRowFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PreviewBulk($input: BulkIssueInput!) {\n  startBulkIssue(input: $input, dryRun: true) {\n    ...BulkJobFields\n    refusedRows: rows(outcome: REFUSED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    skippedRows: rows(outcome: SKIPPED, first: 250) { totalCount nodes { ...BulkRowFields } }\n    readyRows: rows(outcome: ISSUED, first: 250) { totalCount nodes { ...BulkRowFields } }\n  }\n}"): typeof import('./graphql').PreviewBulkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartBulk($input: BulkIssueInput!) { startBulkIssue(input: $input) { ...BulkJobFields } }"): typeof import('./graphql').StartBulkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Job($id: ID!) { bulkIssueJob(id: $id) { ...BulkJobFields } }"): typeof import('./graphql').JobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query JobRows($id: ID!, $after: String) {\n  bulkIssueJob(id: $id) { rows(first: 1000, after: $after) { nodes { ...BulkRowFields } pageInfo { endCursor hasNextPage } } }\n}"): typeof import('./graphql').JobRowsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription Progress($id: ID!) { bulkIssueProgress(jobId: $id) { ...BulkJobFields } }"): typeof import('./graphql').ProgressDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Jobs($c: ID) { bulkIssueJobs(courseId: $c) { ...BulkJobFields } }"): typeof import('./graphql').JobsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CobrandingVariants {\n  certificateVariants { org version hasLogo createdAt partnerNames { lang text } signatories { name hasSignatureImage titles { lang text } } }\n}"): typeof import('./graphql').CobrandingVariantsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SaveCobranding($org: String!, $input: CertificateVariantInput!) {\n  saveCertificateVariant(org: $org, input: $input) { org version }\n}"): typeof import('./graphql').SaveCobrandingDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveCobranding($org: String!) { removeCertificateVariant(org: $org) }"): typeof import('./graphql').RemoveCobrandingDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PreviewCobranding($org: String!, $input: CertificateVariantInput, $lang: String) {\n  previewCertificateVariant(org: $org, input: $input, lang: $lang)\n}"): typeof import('./graphql').PreviewCobrandingDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Courses($ui: String, $status: CourseStatus) { courses(status: $status, first: 100) { nodes { id title(lang: $ui) } } }"): typeof import('./graphql').CoursesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ReportRowFields on ReportRow {\n  org municipality courseId courseTitle month enrolled completed certificates learners\n}"): typeof import('./graphql').ReportRowFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NationalReport($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  table: report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { rows { ...ReportRowFields } totals { ...ReportRowFields } }\n  byMonth: report(groupBy: [MONTH], org: $org, courseId: $courseId, from: $from, to: $to) { rows { month enrolled completed } }\n  byMunicipality: report(groupBy: [ORG, MUNICIPALITY], org: $org, courseId: $courseId, from: $from, to: $to) { rows { org municipality enrolled completed } }\n}"): typeof import('./graphql').NationalReportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query NationalReportCsv($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {\n  report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { csvUrl }\n}"): typeof import('./graphql').NationalReportCsvDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LearnerDirectory($org: String, $municipality: String, $search: String, $first: Int, $after: String, $ui: String) {\n  learners(org: $org, municipality: $municipality, search: $search, first: $first, after: $after) {\n    totalCount\n    pageInfo { hasNextPage endCursor }\n    nodes {\n      id name org municipality lastActiveAt\n      enrollments { id status progressPercent enrolledAt completedAt course { id title(lang: $ui) } }\n      certificates { id code courseTitle issuedAt status }\n    }\n  }\n}"): typeof import('./graphql').LearnerDirectoryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LearnerExport($learnerId: ID!) { learnerExport(learnerId: $learnerId) }"): typeof import('./graphql').LearnerExportDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EraseLearner($learnerId: ID!, $reason: String) {\n  eraseLearner(learnerId: $learnerId, reason: $reason) { learnerId pseudonym erasedAt }\n}"): typeof import('./graphql').EraseLearnerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ParkedEmails($first: Int, $after: String) {\n    emailDeliveries(status: PARKED, first: $first, after: $after) {\n      nodes { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n      pageInfo { hasNextPage endCursor }\n      totalCount\n    }\n  }\n"): typeof import('./graphql').ParkedEmailsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReplayParkedEmail($id: ID!) {\n    replayEmailDelivery(id: $id) { id source notificationId toAddress status attempts lastError createdAt nextAttemptAt }\n  }\n"): typeof import('./graphql').ReplayParkedEmailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PrintBatchFields on PrintBatch {\n  id status format lang total done progress error waitingReason size createdAt finishedAt\n}"): typeof import('./graphql').PrintBatchFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartPrint($input: PrintBatchInput!) { startPrintBatch(input: $input) { ...PrintBatchFields } }"): typeof import('./graphql').StartPrintDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PrintBatch($id: ID!) { printBatch(id: $id) { ...PrintBatchFields } }"): typeof import('./graphql').PrintBatchDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PrintBatchLink($id: ID!) { printBatch(id: $id) { id downloadUrl } }"): typeof import('./graphql').PrintBatchLinkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RetryPrint($id: ID!) { retryPrintBatch(id: $id) { ...PrintBatchFields } }"): typeof import('./graphql').RetryPrintDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchCerts($code: String, $name: String, $c: ID, $s: CertificateStatus, $first: Int, $after: String) {\n    searchCertificates(code: $code, name: $name, courseId: $c, status: $s, first: $first, after: $after) {\n      nodes { ...CertificateSummary }\n      pageInfo { endCursor hasNextPage }\n      totalCount\n    }\n  }\n"): typeof import('./graphql').SearchCertsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Revoke($id: ID!, $r: String!) { revokeCertificate(id: $id, reason: $r) { id status } }"): typeof import('./graphql').RevokeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Catalogue($ui: String, $search: String, $topic: String, $lang: String, $first: Int, $after: String) {\n  courses(status: PUBLISHED, search: $search, topic: $topic, lang: $lang, first: $first, after: $after) {\n    totalCount\n    pageInfo { endCursor hasNextPage }\n    nodes { id title(lang: $ui) summary(lang: $ui) languages topics version }\n  }\n}"): typeof import('./graphql').CatalogueDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CertificateSummary on Certificate {\n  id code learnerName courseTitle issuedAt status revokedAt revocationReason\n}"): typeof import('./graphql').CertificateSummaryFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CertificatePdfLink { myCertificates { id pdfUrl } }"): typeof import('./graphql').CertificatePdfLinkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CertificateCredentialJson { myCertificates { id credentialDataIntegrity } }"): typeof import('./graphql').CertificateCredentialJsonDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyCertificates { myCertificates { ...CertificateSummary pdfUrl verifyUrl linkedInUrl } }"): typeof import('./graphql').MyCertificatesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CheckInEnrolment($c: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      enrollment { id status lessons { lessonId status } }\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CheckInEnrolmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CheckIn($e: ID!, $l: ID!, $code: String!) { checkIn(enrollmentId: $e, lessonId: $l, code: $code) { lessonId status } }\n"): typeof import('./graphql').CheckInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubmitSurvey($e: ID!, $l: ID!, $a: [SurveyAnswerInput!]!) {\n    submitSurvey(enrollmentId: $e, lessonId: $l, answers: $a) { lessonId status }\n  }\n"): typeof import('./graphql').SubmitSurveyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment EnrollmentFields on Enrollment {\n  id status progressPercent courseVersion resumeLessonId waitlistPosition reason\n  lessons { lessonId status bestScore attempts } certificate { id code }\n}"): typeof import('./graphql').EnrollmentFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Course($id: ID!, $ui: String, $signedIn: Boolean!) {\n  course(id: $id) {\n    id title(lang: $ui) summary(lang: $ui) languages defaultLanguage topics version status calendarUrl\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) durationMinutes required\n        live { startsAt endsAt timezone venue(lang: $ui) onlineUrl } } }\n    enrollment @include(if: $signedIn) { ...EnrollmentFields }\n  }\n}"): typeof import('./graphql').CourseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Enrol($c: ID!) { enroll(courseId: $c) { id } }"): typeof import('./graphql').EnrolDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation WithdrawRegistration($e: ID!) { withdraw(enrollmentId: $e) { id status } }"): typeof import('./graphql').WithdrawRegistrationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Mine($ui: String) { myEnrollments { id status progressPercent enrolledAt completedAt resumeLessonId\n      course { id title(lang: $ui) } certificate { id code } } }"): typeof import('./graphql').MineDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Player($id: ID!, $ui: String) {\n  course(id: $id) {\n    id title(lang: $ui) version\n    modules { id position title(lang: $ui)\n      lessons { id position kind title(lang: $ui) body(lang: $ui) durationMinutes required\n        material { id filename contentType size status downloadUrl }\n        quiz { passScore questions { id prompt(lang: $ui) multiple options { id label(lang: $ui) } } } } }\n    enrollment { ...EnrollmentFields }\n  }\n}"): typeof import('./graphql').PlayerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MaterialLink($id: ID!) {\n  course(id: $id) { id modules { id lessons { id material { id downloadUrl } } } }\n}"): typeof import('./graphql').MaterialLinkDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Complete($e: ID!, $l: ID!) { completeLesson(enrollmentId: $e, lessonId: $l) { id } }"): typeof import('./graphql').CompleteDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Submit($e: ID!, $l: ID!, $a: [QuizAnswerInput!]!) {\n          submitQuiz(enrollmentId: $e, lessonId: $l, answers: $a) { score passed attempt questions { questionId correct } }\n        }"): typeof import('./graphql').SubmitDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Verify($code: String!, $ui: String) { verifyCertificate(code: $code) {\n      code valid status learnerName courseTitle issuedAt issuer(lang: $ui) revokedAt revocationReason\n      proofs { format verified } } }"): typeof import('./graphql').VerifyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OpenCheckIn($l: ID!, $m: Int) { openCheckIn(lessonId: $l, minutes: $m) { code url expiresAt closesAt } }\n"): typeof import('./graphql').OpenCheckInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SessionAttendance($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules { lessons { id title(lang: $ui) } }\n      attendance(lessonId: $l) { learnerId learnerName org municipality present checkedInAt method }\n    }\n  }\n"): typeof import('./graphql').SessionAttendanceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkAttendance($l: ID!, $who: [ID!]!, $p: Boolean!) {\n    markAttendance(lessonId: $l, learnerIds: $who, present: $p) { learnerId present checkedInAt method }\n  }\n"): typeof import('./graphql').MarkAttendanceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AttendanceCsv($c: ID!, $l: ID!) { course(id: $c) { id attendanceCsvUrl(lessonId: $l) } }"): typeof import('./graphql').AttendanceCsvDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Teach($ui: String) { courses(first: 100) { nodes { id title(lang: $ui) status version ownerId languages } } }"): typeof import('./graphql').TeachDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Create($input: CreateCourseInput!) { createCourse(input: $input) { id } }"): typeof import('./graphql').CreateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Editor($id: ID!, $ui: String) {\n  course(id: $id) {\n    id slug title(lang: $ui) titles { lang text } languages defaultLanguage topics status version\n    hasUnpublishedChanges incompleteLanguages\n    certificatePolicy { autoIssue kind }\n    registration { capacity approvalRequired waitlist closesAt quotas { org seats } }\n    summary_en: summary(lang: \"en\") summary_tr: summary(lang: \"tr\") summary_az: summary(lang: \"az\")\n    summary_kk: summary(lang: \"kk\") summary_ky: summary(lang: \"ky\") summary_uz: summary(lang: \"uz\")\n    summary_ru: summary(lang: \"ru\")\n    modules { id position title(lang: $ui) titles { lang text }\n      lessons { id position kind title(lang: $ui) titles { lang text } bodies { lang text } required durationMinutes\n        material { id filename status size } quiz { passScore questions { id } }\n        live { startsAt timezone } survey { questions { id } } } }\n    ...CourseStatsFields\n  }\n}"): typeof import('./graphql').EditorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MoveModule($id: ID!, $p: Int!) { moveModule(id: $id, position: $p) { id } }"): typeof import('./graphql').MoveModuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MoveLesson($id: ID!, $p: Int!) { moveLesson(id: $id, position: $p) { id } }"): typeof import('./graphql').MoveLessonDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Update($id: ID!, $input: UpdateCourseInput!) { updateCourse(id: $id, input: $input) { id } }"): typeof import('./graphql').UpdateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteModule($id: ID!) { deleteModule(id: $id) }"): typeof import('./graphql').DeleteModuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteLesson($id: ID!) { deleteLesson(id: $id) }"): typeof import('./graphql').DeleteLessonDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateModule($id: ID!, $i: ModuleInput!) { updateModule(id: $id, input: $i) { id } }"): typeof import('./graphql').UpdateModuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddModule($c: ID!, $i: ModuleInput!) { addModule(courseId: $c, input: $i) { id } }"): typeof import('./graphql').AddModuleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateLesson($id: ID!, $i: UpdateLessonInput!) { updateLesson(id: $id, input: $i) { id } }"): typeof import('./graphql').UpdateLessonDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LessonDetails($course: ID!, $lesson: ID!) {\n  course(id: $course) { id lesson(id: $lesson) { id\n    live { startsAt endsAt timezone venues { lang text } editorOnlineUrl capacity }\n    survey { anonymous questions { id kind prompts { lang text } scale options { id labels { lang text } } } } } }\n}"): typeof import('./graphql').LessonDetailsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddLesson($m: ID!, $i: LessonInput!) { addLesson(moduleId: $m, input: $i) { id } }"): typeof import('./graphql').AddLessonDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LessonPreview($id: ID!, $l: String) {\n  course(id: $id) { id modules { id lessons { id kind title(lang: $l) body(lang: $l) durationMinutes required\n    material { filename }\n    quiz { passScore questions { id prompt(lang: $l) multiple options { id label(lang: $l) } } } } } }\n}"): typeof import('./graphql').LessonPreviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Request($c: ID!, $f: String!, $t: String!, $s: Int!) {\n          requestMaterialUpload(courseId: $c, filename: $f, contentType: $t, size: $s) {\n            uploadUrl uploadMethod uploadFields { name value } material { id }\n          }\n        }"): typeof import('./graphql').RequestDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Confirm($m: ID!) { confirmMaterialUpload(materialId: $m) { id filename size status } }"): typeof import('./graphql').ConfirmDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Publish($id: ID!) { publishCourse(id: $id) { id status version } }"): typeof import('./graphql').PublishDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CourseStatsFields on Course {\n  stats { enrolled completed certificatesIssued byOrg { key enrolled completed } byMunicipality { key enrolled completed } }\n}"): typeof import('./graphql').CourseStatsFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SurveyResults($c: ID!, $l: ID!, $ui: String) {\n    course(id: $c) {\n      id\n      title(lang: $ui)\n      modules {\n        lessons {\n          id\n          kind\n          title(lang: $ui)\n          survey { anonymous questions { id kind prompt(lang: $ui) scale options { id label(lang: $ui) } } }\n        }\n      }\n      surveyResults(lessonId: $l) { questionId responses mean distribution optionCounts texts }\n    }\n  }\n"): typeof import('./graphql').SurveyResultsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RootFields { q: __type(name: \"Query\") { fields { name } } m: __type(name: \"Mutation\") { fields { name } } }"): typeof import('./graphql').RootFieldsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
