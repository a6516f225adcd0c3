"""The GraphQL schema: exactly shared/brief/schema.graphql, composed over the services' REST APIs.

Objects are backed by the services' JSON, whose keys are the schema's field names, so the default
resolver reads dictionaries directly (no per-object conversion on the hot path).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.certificates import cobranding
from gateway.certificates import mutations as cert_mutations
from gateway.certificates import printing as cert_printing
from gateway.certificates import queries as cert_queries
from gateway.certificates.cobranding import CertificateVariant
from gateway.certificates.printing import PrintBatch
from gateway.certificates.types import AutoIssueFailure, BulkIssueJob, Certificate, CertificateConnection, Verification
from gateway.complexity import BoundedValidation, complexity_rule
from gateway.config import GatewaySettings
from gateway.context import Info, ctx_of
from gateway.courses import mutations as course_mutations
from gateway.courses import queries as course_queries
from gateway.courses import types as course_types
from gateway.courses.types import Course, CourseConnection, Lesson, Material, MaterialUpload, Module
from gateway.errors import ErrorShaping, shape_error
from gateway.idempotency import IdempotentMutations
from gateway.metrics import OperationMetrics
from gateway.notifications import mutations as notification_mutations
from gateway.notifications import queries as notification_queries
from gateway.notifications.live import notification_received
from gateway.notifications.types import (
    EmailDelivery,
    EmailDeliveryConnection,
    Notification,
    NotificationConnection,
    NotificationPreferences,
)
from gateway.permissions import IsAdmin, IsAuthenticated, IsCertifier, IsTrainer, IsTrainerOrCountryAdmin
from gateway.privacy import resolvers as privacy
from gateway.privacy.resolvers import LearnerErasure
from gateway.progress import attendance as progress_attendance
from gateway.progress import mutations as progress_mutations
from gateway.progress import queries as progress_queries
from gateway.progress import types as progress_types
from gateway.progress.attendance_types import Attendance, CheckInCode
from gateway.progress.types import CohortEnrollmentResult, Enrollment, LessonProgress, QuizResult
from gateway.reports import queries as report_queries
from gateway.reports.types import LearnerConnection, Report
from gateway.responses import ViewerResponseCaching
from gateway.subscriptions import bulk_issue_progress
from gateway.types import DATETIME_SCALAR, JSON, DateTime, Role
from lms_shared.logging import get_logger

log = get_logger(__name__)


def resolve_default(obj: Any, name: str) -> Any:
    """Read a field from the services' JSON (a dict) or, for the few Python objects, an attribute."""
    if type(obj) is dict:
        return obj.get(name)
    return getattr(obj, name)


@strawberry.type(description="Who is signed in, as their identity provider vouched for it.")
class Viewer:
    id: strawberry.ID = strawberry.field(description="Stable user id (the token's sub).")
    name: str = strawberry.field(description="Full name, as printed on certificates.")
    roles: list[Role] = strawberry.field(description="What the viewer may do.")
    org: str | None = strawberry.field(description="Member state, ISO 3166 alpha-2.")
    municipality: str | None = strawberry.field(description="Municipality.")
    locale: str | None = strawberry.field(description="Preferred language, used when a field gets no `lang`.")


async def viewer(info: Info) -> Viewer:
    """The signed-in caller."""
    p = await ctx_of(info).require_user()
    return Viewer(
        id=strawberry.ID(p.sub),
        name=p.name,
        roles=[Role[r.value.upper()] for r in sorted(p.roles)],
        org=p.org,
        municipality=p.municipality,
        locale=p.locale,
    )


@strawberry.type(description="Read the catalogue, your progress and certificates; verify any certificate.")
class Query:
    viewer: Viewer = strawberry.field(resolver=viewer, description="The signed-in caller.")
    courses: CourseConnection = strawberry.field(
        resolver=course_queries.courses,
        description="Published courses (drafts too, for their trainers and admins), filtered and paginated.",
    )
    course: Course | None = strawberry.field(resolver=course_queries.course, description="One course by id.")
    myEnrollments: list[Enrollment] = strawberry.field(
        resolver=progress_queries.my_enrollments,
        permission_classes=[IsAuthenticated],
        description="The viewer's enrolments.",
    )
    pendingEnrollments: list[Enrollment] = strawberry.field(
        resolver=progress_queries.pending_enrollments,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Enrolments waiting for approval that the viewer may decide.",
    )
    myCertificates: list[Certificate] = strawberry.field(
        resolver=cert_queries.my_certificates,
        permission_classes=[IsAuthenticated],
        description="The viewer's certificates.",
    )
    certificates: list[Certificate] = strawberry.field(
        resolver=cert_queries.certificates,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Addition: a course's certificates (admins and the course's trainers; country admins: their"
        " state's only), e.g. to revoke one.",
    )
    searchCertificates: CertificateConnection = strawberry.field(
        resolver=cert_queries.search_certificates,
        permission_classes=[IsCertifier],
        description="Admins (country admins: their state): by code, holder name (Turkic-aware), course, status; paged.",
    )
    verifyCertificate: Verification = strawberry.field(
        resolver=cert_queries.verify_certificate, description="Public, no token needed."
    )
    bulkIssueJob: BulkIssueJob | None = strawberry.field(
        resolver=cert_queries.bulk_issue_job,
        permission_classes=[IsCertifier],
        description="One bulk job (admins; country admins: the jobs they started).",
    )
    bulkIssueJobs: list[BulkIssueJob] = strawberry.field(
        resolver=cert_queries.bulk_issue_jobs,
        permission_classes=[IsCertifier],
        description="Bulk jobs (admins; country admins: the jobs they started).",
    )
    report: Report = strawberry.field(
        resolver=report_queries.report,
        permission_classes=[IsAuthenticated],
        description="Admins: any state; country admins: their own state only (another org → FORBIDDEN).",
    )
    learners: LearnerConnection = strawberry.field(
        resolver=report_queries.learners,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Admins: everyone; country admins: their state; trainers: learners of their courses.",
    )
    autoIssueFailures: list[AutoIssueFailure] = strawberry.field(
        resolver=cert_queries.auto_issue_failures,
        permission_classes=[IsTrainer],
        description="Addition: completions automatic issue could not certify (admins; a course's trainers).",
    )
    learnerExport: JSON = strawberry.field(
        resolver=privacy.learner_export,
        permission_classes=[IsCertifier],
        description="Addition: everything the platform holds about one learner, per service, with short-lived"
        " PDF links (admins; country admins: learners of their state).",
    )
    certificateVariants: list[CertificateVariant] = strawberry.field(
        resolver=cobranding.certificate_variants,
        permission_classes=[IsAdmin],
        description="Addition: every member state's co-branding of a certificate template (admins).",
    )
    printBatch: PrintBatch | None = strawberry.field(
        resolver=cert_printing.print_batch,
        permission_classes=[IsCertifier],
        description="Addition: one print batch and its progress (admins; country admins: the batches limited to"
        " their state); poll it while it runs.",
    )
    myNotifications: NotificationConnection = strawberry.field(
        resolver=notification_queries.my_notifications,
        permission_classes=[IsAuthenticated],
        description="The viewer's notifications, newest first (addition: `lang`, else the viewer's language).",
    )
    myNotificationPreferences: NotificationPreferences = strawberry.field(
        resolver=notification_queries.my_notification_preferences,
        permission_classes=[IsAuthenticated],
        description="How the viewer wants to be told.",
    )
    emailDeliveries: EmailDeliveryConnection = strawberry.field(
        resolver=notification_queries.email_deliveries,
        permission_classes=[IsAdmin],
        description="Addition: emails in one status, newest first (admins): by default those parked after a"
        " permanent refusal (SMTP 5xx), with the mail server's answer.",
    )


@strawberry.type(description="Author courses, study, and issue certificates. Only over POST.")
class Mutation:
    createCourse: Course = strawberry.mutation(
        resolver=course_mutations.create_course, permission_classes=[IsTrainer], description="Create a draft course."
    )
    updateCourse: Course = strawberry.mutation(
        resolver=course_mutations.update_course,
        permission_classes=[IsTrainer],
        description="Change a course's draft.",
    )
    addModule: Module = strawberry.mutation(
        resolver=course_mutations.add_module, permission_classes=[IsTrainer], description="Add a module."
    )
    addLesson: Lesson = strawberry.mutation(
        resolver=course_mutations.add_lesson, permission_classes=[IsTrainer], description="Add a lesson."
    )
    requestMaterialUpload: MaterialUpload = strawberry.mutation(
        resolver=course_mutations.request_material_upload,
        permission_classes=[IsTrainer],
        description="Get a presigned URL to upload a material's bytes.",
    )
    confirmMaterialUpload: Material = strawberry.mutation(
        resolver=course_mutations.confirm_material_upload,
        permission_classes=[IsTrainer],
        description="Confirm an uploaded material.",
    )
    moveModule: Module = strawberry.mutation(
        resolver=course_mutations.move_module,
        permission_classes=[IsTrainer],
        description="Addition: move a module of the draft to another position (1 = first).",
    )
    moveLesson: Lesson = strawberry.mutation(
        resolver=course_mutations.move_lesson,
        permission_classes=[IsTrainer],
        description="Addition: move a lesson within its module (1 = first).",
    )
    updateModule: Module = strawberry.mutation(
        resolver=course_mutations.update_module,
        permission_classes=[IsTrainer],
        description="Rename (or move) a module of the draft; published versions stay as they were.",
    )
    deleteModule: bool = strawberry.mutation(
        resolver=course_mutations.delete_module,
        permission_classes=[IsTrainer],
        description="Delete a module and its lessons from the draft; published versions keep them.",
    )
    updateLesson: Lesson = strawberry.mutation(
        resolver=course_mutations.update_lesson,
        permission_classes=[IsTrainer],
        description="Change a lesson of the draft (title, text, material, quiz); published versions stay as they were.",
    )
    deleteLesson: bool = strawberry.mutation(
        resolver=course_mutations.delete_lesson,
        permission_classes=[IsTrainer],
        description="Delete a lesson from the draft; published versions keep it.",
    )
    publishCourse: Course = strawberry.mutation(
        resolver=course_mutations.publish_course,
        permission_classes=[IsTrainer],
        description="Publish the draft as a new immutable version.",
    )
    archiveCourse: Course = strawberry.mutation(
        resolver=course_mutations.archive_course,
        permission_classes=[IsTrainer],
        description="Stop new enrolments.",
    )
    enroll: Enrollment = strawberry.mutation(
        resolver=progress_mutations.enroll, permission_classes=[IsAuthenticated], description="Enrol in a course."
    )
    enrollCohort: CohortEnrollmentResult = strawberry.mutation(
        resolver=progress_mutations.enroll_cohort,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Enrol many learners at once (country admins: their state's learners, in any published course).",
    )
    completeLesson: Enrollment = strawberry.mutation(
        resolver=progress_mutations.complete_lesson,
        permission_classes=[IsAuthenticated],
        description="Mark a lesson completed.",
    )
    submitQuiz: QuizResult = strawberry.mutation(
        resolver=progress_mutations.submit_quiz,
        permission_classes=[IsAuthenticated],
        description="Submit one quiz attempt.",
    )
    approveEnrollment: Enrollment = strawberry.mutation(
        resolver=progress_mutations.approve_enrollment,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Trainers of the course and admins; country admins for learners of their state.",
    )
    rejectEnrollment: Enrollment = strawberry.mutation(
        resolver=progress_mutations.reject_enrollment,
        permission_classes=[IsTrainerOrCountryAdmin],
        description="Trainers of the course and admins; country admins for learners of their state.",
    )
    withdraw: Enrollment = strawberry.mutation(
        resolver=progress_mutations.withdraw,
        permission_classes=[IsAuthenticated],
        description="A learner leaves; frees the seat for the waiting list.",
    )
    openCheckIn: CheckInCode = strawberry.mutation(
        resolver=progress_attendance.open_check_in,
        permission_classes=[IsTrainer],
        description="Trainers of the course: a fresh code for the session, valid until the session ends (or"
        " `minutes`). Each call rotates the code; the previous one is accepted for a grace period.",
    )
    checkIn: LessonProgress = strawberry.mutation(
        resolver=progress_attendance.check_in,
        permission_classes=[IsAuthenticated],
        description="The learner, during the session window, with the code shown in the room (idempotent).",
    )
    markAttendance: list[Attendance] = strawberry.mutation(
        resolver=progress_attendance.mark_attendance,
        permission_classes=[IsTrainer],
        description="Trainers of the course: mark learners present or absent after the fact.",
    )
    submitSurvey: LessonProgress = strawberry.mutation(
        resolver=progress_attendance.submit_survey,
        permission_classes=[IsAuthenticated],
        description="The learner answers a SURVEY lesson (once); completes the lesson.",
    )
    issueCertificate: Certificate = strawberry.mutation(
        resolver=cert_mutations.issue_certificate,
        permission_classes=[IsCertifier],
        description="Issue one certificate (country admins: to their state's learners).",
    )
    startBulkIssue: BulkIssueJob = strawberry.mutation(
        resolver=cert_mutations.start_bulk_issue,
        permission_classes=[IsCertifier],
        description="Start issuing certificates in bulk (addition: or, with dryRun, see what would happen). Country"
        " admins: rows of another state are refused (OTHER_STATE), allEligible is their state's completions.",
    )
    revokeCertificate: Certificate = strawberry.mutation(
        resolver=cert_mutations.revoke_certificate,
        permission_classes=[IsCertifier],
        description="Revoke a certificate (country admins: their state's).",
    )
    retryAutoIssue: Certificate = strawberry.mutation(
        resolver=cert_mutations.retry_auto_issue,
        permission_classes=[IsAdmin],
        description="Addition: issue a failed automatic certificate again, with a corrected name (idempotent).",
    )
    eraseLearner: LearnerErasure = strawberry.mutation(
        resolver=privacy.erase_learner,
        permission_classes=[IsCertifier],
        description="Addition: erase a learner on request: their name is replaced by a pseudonym everywhere, their"
        " certificates are revoked ('erased on request') and their PDFs deleted (admins; country admins: learners"
        " of their state). Idempotent.",
    )
    saveCertificateVariant: CertificateVariant = strawberry.mutation(
        resolver=cobranding.save_certificate_variant,
        permission_classes=[IsAdmin],
        description="Addition: set a member state's co-branding of a certificate template: its national partner's"
        " name, logo and signatories, on certificates issued to that state's learners from now on (admins).",
    )
    removeCertificateVariant: bool = strawberry.mutation(
        resolver=cobranding.remove_certificate_variant,
        permission_classes=[IsAdmin],
        description="Addition: remove a state's co-branding; certificates already issued keep theirs (admins).",
    )
    previewCertificateVariant: str = strawberry.mutation(
        resolver=cobranding.preview_certificate_variant,
        permission_classes=[IsCertifier],
        description="Addition: a sample certificate of a state, marked PREVIEW, as a data: URL of a PDF: the"
        " draft in `input`, or the stored variant. Nothing is stored or issued (admins; country admins: their"
        " own state).",
    )
    startPrintBatch: PrintBatch = strawberry.mutation(
        resolver=cert_printing.start_print_batch,
        permission_classes=[IsCertifier],
        description="Addition: print a finished bulk job's (or a course's) certificates as one merged PDF in"
        " alphabetical order, or as a ZIP of PDFs named after the learners (admins; country admins: their"
        " state's certificates only).",
    )
    retryPrintBatch: PrintBatch = strawberry.mutation(
        resolver=cert_printing.retry_print_batch,
        permission_classes=[IsCertifier],
        description="Addition: queue a FAILED print batch again (admins; country admins: their state's batches).",
    )
    markNotificationsRead: int = strawberry.mutation(
        resolver=notification_mutations.mark_notifications_read,
        permission_classes=[IsAuthenticated],
        description="Mark the viewer's notifications read (null ids: all); answers how many were unread and are now"
        " read (another person's ids count 0).",
    )
    updateNotificationPreferences: NotificationPreferences = strawberry.mutation(
        resolver=notification_mutations.update_notification_preferences,
        permission_classes=[IsAuthenticated],
        description="Change the viewer's notification preferences.",
    )
    replayEmailDelivery: EmailDelivery = strawberry.mutation(
        resolver=notification_mutations.replay_email_delivery,
        permission_classes=[IsAdmin],
        description="Addition: send a PARKED email again, e.g. after the address was fixed (admins).",
    )


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsCertifier],
        description="Pushes the job at least every second while it runs, and once when it ends.",
    )
    async def bulkIssueProgress(self, info: Info, jobId: strawberry.ID) -> AsyncGenerator[BulkIssueJob, None]:
        async for job in bulk_issue_progress(info, jobId):
            yield job

    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="The viewer's own notifications as they arrive (addition: `lang`, else the viewer's language).",
    )
    async def notificationReceived(self, info: Info, lang: str | None = None) -> AsyncGenerator[Notification, None]:
        async for item in notification_received(info, lang):
            yield item


class GatewaySchema(strawberry.Schema):
    """Shapes errors in place wherever Strawberry reports them, subscriptions' initial errors included."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            shaped = shape_error(error)
            error.message = shaped.message
            error.extensions = shaped.extensions
            # Shaped once (and logged once, if unexpected): ErrorShaping then leaves it as it is.
            error.original_error = None


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    """The schema with the limits and switches ``settings`` asks for."""
    # The rule classes are built once: ValidationCache keys on them, so fresh classes per request
    # (what the limiter extensions' constructors make) would never hit the cache.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        complexity_rule(settings.max_complexity),
    ]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationMetrics,
        ErrorShaping,
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        # Clients send the same few documents over and over: parse and validate each once.
        lambda: ParserCache(maxsize=512),
        # The linear fragment budget first: validation rules walk the expanded tree.
        lambda: BoundedValidation(settings.max_fragments, settings.max_expanded_fields, maxsize=512),
        IdempotentMutations,
        ViewerResponseCaching,
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            auto_camel_case=False, default_resolver=resolve_default, scalar_map={DateTime: DATETIME_SCALAR}
        ),
    )
    lean_resolvers(schema)
    return schema


# Resolvers that read only their parent's JSON, scalar arguments and ``info.context``: graphql-core
# may call them directly (its own info carries the same context), without Strawberry's per-field
# wrapper (a Strawberry Info, argument conversion, the field-extension chain).
LEAN = frozenset(
    {
        course_types.course_title,
        course_types.course_summary,
        course_types.part_title,
        course_types.lesson_body,
        course_types.question_prompt,
        course_types.option_label,
        course_types.course_modules,
        progress_types.enrollment_lessons,
    }
)


def _read_key(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any, **_: Any) -> Any:
        if type(source) is dict:
            return source.get(name)
        return getattr(source, name)

    return resolve


def _direct(fn: Callable[..., Any], takes_info: bool) -> Callable[..., Any]:
    if takes_info:
        return lambda source, info, **kwargs: fn(source, info, **kwargs)
    return lambda source, _info, **kwargs: fn(source, **kwargs)


def lean_resolvers(schema: strawberry.Schema) -> int:
    """Let graphql-core resolve the fields that need nothing of Strawberry's per-field machinery:
    fields without a resolver, permission or extension read their key from the services' JSON, and
    the :data:`LEAN` resolvers are called directly. Returns how many fields it changed."""
    changed = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        if gql_type.name in ("Query", "Mutation", "Subscription"):
            continue
        for gql_field in gql_type.fields.values():
            field = (gql_field.extensions or {}).get("strawberry-definition")
            if field is None or field.extensions or getattr(field, "permission_classes", None):
                continue
            if field.base_resolver is None:
                if getattr(gql_field.resolve, "_is_default", False):
                    gql_field.resolve = _read_key(field.python_name)
                    changed += 1
                continue
            fn = field.base_resolver.wrapped_func
            if fn in LEAN:
                gql_field.resolve = _direct(fn, "info" in inspect.signature(fn).parameters)
                changed += 1
    return changed
