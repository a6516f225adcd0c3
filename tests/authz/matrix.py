"""The authorization matrix's expectation table: one row per GraphQL field and per service route.

Every Mutation and Query field of the gateway's schema and every route of every service's FastAPI app
has exactly one row here (test_matrix.py fails on a field or route without a row, and on a row whose
field or route no longer exists). A row says, for each *relation* of the caller to the object
(world.RELATIONS), what the answer must be:

- ``OK``: authorization passed. Data, or a refusal that is not about who is asking (CONFLICT,
  BAD_USER_INPUT / 409, 422: "already archived", "no file uploaded yet").
- ``HIDDEN``: an answer without the object (``null``, or a list without it).
- ``UNAUTHENTICATED``, ``FORBIDDEN``, ``NOT_FOUND``: that refusal (401, 403, 404 on the services).

The callers (world.ROLES) relate to object ``A`` and ``B`` as world.RELATION_OF says, so each row runs
roles × objects cells. ``ca_same`` is a country admin of the object's member state (``Obj.org``),
``ca_other`` one of another state (issue 14). ``Hole(should, today, finding)`` is a cell where the
code is wrong today: the test accepts ``today`` and lists it as a known hole in its output (and
accepts ``should``, saying the Hole() can go, once it is fixed).

Rows that destroy their object (archive, publish, revoke, remove a co-owner, delete, cancel) have a
``prepare`` step: a cell expected ``OK`` acts on a disposable object made for it; a cell expected to be
refused acts on the world's object (a refusal changes nothing, and a wrong acceptance fails the cell
anyway). Withdrawing runs in phase 2, after every other row, and the learners enrol again afterwards.

To add a row: add the field or route, run ``pytest tests/authz -k complete`` (it names what is
missing), then add a ``gql(...)`` or ``rest(...)`` entry below with the expectation for every relation
(start from a preset: EDITORS, SIGNED_IN, PUBLIC, ADMIN_ONLY).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.authz.world import RELATIONS, Obj, WorldClient, title

OK = "ok"
HIDDEN = "hidden"
UNAUTH = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"


@dataclass(frozen=True)
class Hole:
    """A cell the code gets wrong today: ``should`` is the rule, ``today`` what it answers."""

    should: str
    today: str
    finding: str


Expected = str | Hole
Table = dict[str, Expected]
Prepare = Callable[[WorldClient, Obj], Awaitable[dict[str, str]]]


def table(default: str, *, anonymous: str = UNAUTH, **by_relation: Expected) -> Table:
    unknown = set(by_relation) - set(RELATIONS)
    assert not unknown, unknown
    out: Table = {r: default for r in RELATIONS}
    out["anonymous"] = anonymous
    out.update(by_relation)
    return out


# A removed co-owner and country admins are strangers to a course's content: a country admin
# administers a state's learners, certificates and figures, never edits a course (issue 14).
EDITORS = table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK)
SIGNED_IN = table(OK)
PUBLIC = table(OK, anonymous=OK)
ADMIN_ONLY = table(FORBIDDEN, admin=OK)
TRAINER_ROLE = table(FORBIDDEN, owner=OK, co_owner=OK, removed_co_owner=OK, stranger_trainer=OK, admin=OK)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    params: dict[str, str] | None = None


@dataclass(frozen=True)
class GqlRow:
    """``field`` is ``Query.x`` / ``Mutation.x``; ``variables(obj, prepared)`` fills the document."""

    field: str
    document: str
    variables: Callable[[Obj, dict[str, str]], dict[str, Any]]
    expect: Table
    # The object's id that must appear in the answer, for rows answering HIDDEN to some.
    shows: Callable[[Obj], str] | None = None
    prepare: Prepare | None = None
    phase: int = 1
    # For a field of an object type (Course.stats): where its value is in ``data``; None = HIDDEN.
    pick: Callable[[dict[str, Any]], Any] | None = None


@dataclass(frozen=True)
class RestRow:
    """``route`` is ``"<service> <METHOD> <path template>"`` exactly as the FastAPI app declares it."""

    route: str
    request: Callable[[Obj, dict[str, str]], Request]
    expect: Table
    shows: Callable[[Obj], str] | None = None
    prepare: Prepare | None = None
    phase: int = 1
    prepare_all: bool = False  # every cell (not only allowed ones) needs its own object

    @property
    def service(self) -> str:
        return self.route.split(" ", 1)[0]


@dataclass
class Rows:
    gql: list[GqlRow] = field(default_factory=list)
    rest: list[RestRow] = field(default_factory=list)


# --- disposable objects ---------------------------------------------------------------------------


async def fresh_published_course(c: WorldClient, o: Obj) -> dict[str, str]:
    return await c.course(o, publish=True, label="disposable")


async def fresh_draft_course(c: WorldClient, o: Obj) -> dict[str, str]:
    return await c.course(o, publish=False, label="disposable")


async def fresh_certificate(c: WorldClient, o: Obj) -> dict[str, str]:
    # Of the object's state, so that state's country admin may revoke it.
    cert = await c.certificate(o.course, {"name": f"Disposable Person {uuid.uuid4().hex[:4]}", "org": o.org})
    return {"certificate": cert["id"]}


async def fresh_co_owner(c: WorldClient, o: Obj) -> dict[str, str]:
    trainer = f"authz-{c.world.tag}-dispo-{uuid.uuid4().hex[:6]}"
    await c.sign_in_trainer(trainer)
    await c.call("courses", "POST", f"/v1/courses/{o.draft}/co-owners", "admin", json={"trainerId": trainer})
    return {"trainer": trainer}


async def fresh_module(c: WorldClient, o: Obj) -> dict[str, str]:
    m = await c.call("courses", "POST", f"/v1/courses/{o.draft}/modules", "admin", json={"titles": title("x", "m")})
    return {"module": m["id"]}


async def fresh_lesson(c: WorldClient, o: Obj) -> dict[str, str]:
    body = {"kind": "TEXT", "titles": title("x", "l")}
    lesson = await c.call("courses", "POST", f"/v1/modules/{o.draft_module}/lessons", "admin", json=body)
    return {"lesson": lesson["id"]}


async def fresh_live_lesson(c: WorldClient, o: Obj) -> dict[str, str]:
    """A LIVE lesson with a join link in the object's draft (issue 15): only its editors read the link."""
    live = {
        "startsAt": "2026-05-14T09:00:00+04:00",
        "endsAt": "2026-05-14T10:00:00+04:00",
        "timezone": "Asia/Baku",
        "onlineUrl": "https://meet.example.org/authz",
    }
    body = {"kind": "LIVE", "titles": title("x", "live"), "live": live}
    lesson = await c.call("courses", "POST", f"/v1/modules/{o.draft_module}/lessons", "admin", json=body)
    return {"lesson": lesson["id"]}


async def fresh_job(c: WorldClient, o: Obj) -> dict[str, str]:
    return {"job": await c.bulk_job(o.course)}


async def finished_print_batch(c: WorldClient, o: Obj) -> dict[str, str]:
    """A print batch the workers have written (its download link is only given once it is COMPLETED)."""
    batch = await c.print_batch(o.course, o.org)

    async def completed() -> str:
        now = await c.call("certificates", "GET", f"/v1/print-batches/{batch}")
        assert now["status"] == "COMPLETED", now["status"]
        return batch

    return {"print_batch": str(await c.until("print batch written", completed))}


def slug() -> str:
    return f"authz-new-{uuid.uuid4().hex[:10]}"


def texts(text: str = "authz") -> list[dict[str, str]]:
    return [{"lang": "en", "text": text}]


def member(org: str | None = None) -> dict[str, str]:
    out = {"learnerId": f"authz-member-{uuid.uuid4().hex[:8]}", "name": "Cohort Member"}
    if org:
        out["org"] = org
    return out


# --- expectations shared by the GraphQL field and the route it calls -------------------------------


# Finding 7 (closed): a co-owner removed after publishing loses the trainers' rights at once in
# progress and certificates too, so ``removed_co_owner`` is a stranger everywhere (the default).
# Finding 1: a trainer cannot enrol in their own course (and so certify themselves through it); a
# removed co-owner is no longer one of its trainers and may.
ENROL = table(OK, owner=FORBIDDEN, co_owner=FORBIDDEN)
COURSE_TRAINERS = table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK)
# Issue 14: a country admin reads any published course's figures, of their own state (progress
# limits them); asking for another state's (``org=``) is FORBIDDEN, see the stats route below.
COURSE_FIGURES = table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, ca_other=OK)
# Cohorts: country admins enrol their state's learners in any published course; a member of another
# state is refused in the answer's failures (tests/integration), not by refusing the call.
COHORT = COURSE_FIGURES
# A course's certificates: its trainers and admins all; a country admin their state's only, so the
# object's certificate is not in the answer of another state's country admin.
CERTIFICATE_LIST = table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, ca_other=HIDDEN)
# Finding certificates across courses (issue 18, item 4): admins all, a country admin their state's
# (another state's certificate is not in the answer); trainers and learners are refused.
CERTIFICATE_SEARCH = table(FORBIDDEN, admin=OK, ca_same=OK, ca_other=HIDDEN)
# Enrolments: the learner, the course's trainers, admins, the country admin of the learner's state;
# others learn nothing (NOT_FOUND).
SEE_ENROLMENT = table(NOT_FOUND, holder=OK, owner=OK, co_owner=OK, admin=OK, ca_same=OK)
# Recording progress: only the learner; those who see the enrolment may not study for them.
STUDY = table(NOT_FOUND, holder=OK, owner=FORBIDDEN, co_owner=FORBIDDEN, admin=FORBIDDEN, ca_same=FORBIDDEN)
OWN_ONLY = table(HIDDEN, holder=OK)  # "mine" lists: the caller's own objects only
# Registration (issue 15): a registration is decided by the course's trainers, admins and the
# learner's country admin. The learner is FORBIDDEN (not their own), so is another state's country
# admin; other callers learn nothing (NOT_FOUND). The gateway refuses callers without the trainer
# or country_admin role before the service is asked (FORBIDDEN).
DECIDE_REST = table(NOT_FOUND, holder=FORBIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, ca_other=FORBIDDEN)
DECIDE_GQL = table(
    FORBIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, removed_co_owner=NOT_FOUND, stranger_trainer=NOT_FOUND
)
# The approvals queue: trainers, country admins and admins, each seeing what they may decide.
PENDING_QUEUE = table(OK, holder=FORBIDDEN, stranger=FORBIDDEN)
# A certificate: its holder, the course's trainers, admins, the country admin of its state.
SEE_CERTIFICATE = table(FORBIDDEN, holder=OK, owner=OK, co_owner=OK, admin=OK, ca_same=OK)
# Issuing to, and revoking the certificate of, a learner of the object's state: admins and that
# state's country admin (the row names the object's ``org``).
ISSUE = table(FORBIDDEN, admin=OK, ca_same=OK)
REVOKE = ISSUE
# A bulk dry run: admins and country admins pass; rows of another state are refused one by one.
BULK_START = table(FORBIDDEN, admin=OK, ca_same=OK, ca_other=OK)
# Bulk jobs: admins all; a country admin only the jobs they started (the world's are an admin's).
BULK_JOBS = table(FORBIDDEN, admin=OK, ca_same=HIDDEN, ca_other=HIDDEN)
DRAFT_VISIBLE = table(HIDDEN, anonymous=HIDDEN, owner=OK, co_owner=OK, admin=OK)
# Materials: the course's trainers, admins, and learners enrolled in a version that uses the file.
MATERIAL = table(FORBIDDEN, holder=OK, owner=OK, co_owner=OK, admin=OK)


# Issue 14, items 2 and 3: the national report and the learner directory, asked for the object's state.
NATIONAL_REPORT = table(FORBIDDEN, admin=OK, ca_same=OK)
LEARNER_DIRECTORY = table(
    FORBIDDEN, owner=OK, co_owner=OK, removed_co_owner=OK, stranger_trainer=OK, admin=OK, ca_same=OK
)


ROWS = Rows()


def gql(
    field: str, document: str, variables: Callable[[Obj, dict[str, str]], dict[str, Any]], expect: Table, **kw: Any
) -> None:
    ROWS.gql.append(GqlRow(field, document, variables, expect, **kw))


def rest(route: str, request: Callable[[Obj, dict[str, str]], Request], expect: Table, **kw: Any) -> None:
    ROWS.rest.append(RestRow(route, request, expect, **kw))


# --- GraphQL: Query -------------------------------------------------------------------------------

gql("Query.viewer", "{ viewer { id } }", lambda o, p: {}, SIGNED_IN)
gql(
    "Query.courses",
    "query($s:String){ courses(search:$s, first:100){ nodes { id } } }",
    lambda o, p: {"s": o.search},
    DRAFT_VISIBLE,
    shows=lambda o: o.draft,
)
gql("Query.course", "query($id:ID!){ course(id:$id){ id } }", lambda o, p: {"id": o.draft}, DRAFT_VISIBLE)
gql("Query.myEnrollments", "{ myEnrollments { id } }", lambda o, p: {}, OWN_ONLY, shows=lambda o: o.enrollment)
gql(
    "Query.pendingEnrollments",
    "query($c:ID){ pendingEnrollments(courseId:$c){ id status learnerName } }",
    lambda o, p: {"c": o.course},
    PENDING_QUEUE,
)
gql("Query.myCertificates", "{ myCertificates { id } }", lambda o, p: {}, OWN_ONLY, shows=lambda o: o.certificate)
gql(
    "Query.certificates",
    "query($c:ID){ certificates(courseId:$c){ id } }",
    lambda o, p: {"c": o.course},
    CERTIFICATE_LIST,
    shows=lambda o: o.certificate,
)
gql(
    "Query.searchCertificates",
    "query($c:String){ searchCertificates(code:$c){ nodes { id } totalCount } }",
    lambda o, p: {"c": o.code},
    CERTIFICATE_SEARCH,
    shows=lambda o: o.certificate,
)
gql(
    "Query.verifyCertificate",
    "query($c:String!){ verifyCertificate(code:$c){ valid } }",
    lambda o, p: {"c": o.code},
    PUBLIC,
)
# The world's jobs are an admin's: a country admin, who sees only the jobs they started, is refused.
gql("Query.bulkIssueJob", "query($id:ID!){ bulkIssueJob(id:$id){ id } }", lambda o, p: {"id": o.job}, ADMIN_ONLY)
# Print batches (issue 17, item 7; issue 14): admins, and country admins for their own state's
# certificates. The world's batch is an admin's, limited to the object's state: its country admin sees
# it, the other state's does not. Starting one for a course is open to both country admins (a course
# belongs to no state); each gets only their own state's certificates (a KZ admin's batch of course A
# has none: a refusal about the selection, not about who asks), and naming another state is FORBIDDEN.
PRINT_READ = table(FORBIDDEN, ca_same=OK, admin=OK)
gql("Query.printBatch", "query($id:ID!){ printBatch(id:$id){ id } }", lambda o, p: {"id": o.print_batch}, PRINT_READ)
gql(
    "Mutation.startPrintBatch",
    "mutation($i:PrintBatchInput!){ startPrintBatch(input:$i){ id } }",
    lambda o, p: {"i": {"format": "ZIP", "courseId": o.course}},
    table(FORBIDDEN, ca_same=OK, ca_other=OK, admin=OK),
)
# The world's batch is not FAILED: an admin's retry is a CONFLICT (not about who asks), the others are refused.
gql(
    "Mutation.retryPrintBatch",
    "mutation($id:ID!){ retryPrintBatch(id:$id){ id } }",
    lambda o, p: {"id": o.print_batch},
    PRINT_READ,
)
gql(
    "Query.bulkIssueJobs",
    "query($c:ID){ bulkIssueJobs(courseId:$c){ id } }",
    lambda o, p: {"c": o.course},
    BULK_JOBS,
    shows=lambda o: o.job,
)

# Country admins are not among those who see automatic-issue failures (trainers' and admins' work).
gql(
    "Query.autoIssueFailures",
    "query($c:ID){ autoIssueFailures(courseId:$c){ id } }",
    lambda o, p: {"c": o.course},
    COURSE_TRAINERS,
)

# National reports: admins any state, country admins their own (another state FORBIDDEN, never an
# empty answer); trainers read Course.stats instead. The learner directory: trainers too (the
# learners of their own courses; progress filters), country admins their state.
gql(
    "Query.report",
    "query($o:String){ report(groupBy:[ORG, MONTH], org:$o){ totals { enrolled learners } } }",
    lambda o, p: {"o": o.org},
    NATIONAL_REPORT,
)
gql(
    "Query.learners",
    "query($o:String){ learners(org:$o, first:10){ totalCount nodes { id } } }",
    lambda o, p: {"o": o.org},
    LEARNER_DIRECTORY,
)

# --- GraphQL: fields of object types that only some may read -----------------------------------


def _lessons(data: dict[str, Any]) -> list[dict[str, Any]]:
    course = data.get("course") or {}
    return [lesson for m in course.get("modules") or [] for lesson in m.get("lessons") or []]


def _download_url(data: dict[str, Any]) -> Any:
    return next((ls["material"]["downloadUrl"] for ls in _lessons(data) if ls.get("material")), None)


gql(
    "Course.stats",
    "query($id:ID!){ course(id:$id){ stats { enrolled } } }",
    lambda o, p: {"id": o.course},
    # Country admins: the figures of their own state, of any course (Course.stats has no org argument).
    table(HIDDEN, anonymous=HIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, ca_other=OK),
    pick=lambda d: (d.get("course") or {}).get("stats"),
)
gql(
    "Course.enrollment",
    "query($id:ID!){ course(id:$id){ enrollment { id } } }",
    lambda o, p: {"id": o.course},
    table(HIDDEN, anonymous=HIDDEN, holder=OK),  # the viewer's own enrolment, never someone else's
    pick=lambda d: (d.get("course") or {}).get("enrollment"),
)
gql(
    "Material.downloadUrl",
    "query($id:ID!){ course(id:$id){ modules { lessons { material { downloadUrl } } } } }",
    lambda o, p: {"id": o.course},
    table(HIDDEN, anonymous=HIDDEN, holder=OK, owner=OK, co_owner=OK, admin=OK),
    pick=_download_url,
)
gql(
    # Issue 15: the stored join link, in the draft view of the course's editors only (learners get
    # LiveSession.onlineUrl from progress, by their enrolment's status).
    "LiveSession.editorOnlineUrl",
    "query($id:ID!){ course(id:$id){ modules { lessons { live { editorOnlineUrl } } } } }",
    lambda o, p: {"id": o.draft},
    DRAFT_VISIBLE,
    prepare=fresh_live_lesson,
    pick=lambda d: next(
        (ls["live"]["editorOnlineUrl"] for ls in _lessons(d) if (ls.get("live") or {}).get("editorOnlineUrl")), None
    ),
)
gql(
    "PrintBatch.downloadUrl",
    "query($id:ID!){ printBatch(id:$id){ downloadUrl } }",
    lambda o, p: {"id": p.get("print_batch", o.print_batch)},
    PRINT_READ,
    prepare=finished_print_batch,
    pick=lambda d: (d.get("printBatch") or {}).get("downloadUrl"),
)
gql(
    "Certificate.pdfUrl",
    "query($c:ID){ certificates(courseId:$c){ pdfUrl } }",
    lambda o, p: {"c": o.course},
    CERTIFICATE_LIST,  # the holder reads theirs through myCertificates (Query.myCertificates)
    pick=lambda d: next((c["pdfUrl"] for c in d.get("certificates") or [] if c.get("pdfUrl")), None),
)

# --- GraphQL: Mutation ----------------------------------------------------------------------------

gql(
    "Mutation.createCourse",
    "mutation($i:CreateCourseInput!){ createCourse(input:$i){ id } }",
    lambda o, p: {"i": {"slug": slug(), "titles": texts(), "defaultLanguage": "en"}},
    TRAINER_ROLE,
)
gql(
    "Mutation.updateCourse",
    "mutation($id:ID!,$i:UpdateCourseInput!){ updateCourse(id:$id, input:$i){ id } }",
    lambda o, p: {"id": o.course, "i": {"topics": ["authz"]}},
    EDITORS,
)
gql(
    "Mutation.addModule",
    "mutation($c:ID!,$i:ModuleInput!){ addModule(courseId:$c, input:$i){ id } }",
    lambda o, p: {"c": o.draft, "i": {"titles": texts()}},
    EDITORS,
)
gql(
    "Mutation.addLesson",
    "mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){ id } }",
    lambda o, p: {"m": o.draft_module, "i": {"kind": "TEXT", "titles": texts()}},
    EDITORS,
)
gql(
    "Mutation.requestMaterialUpload",
    'mutation($c:ID!){ requestMaterialUpload(courseId:$c, filename:"a.pdf", contentType:"application/pdf",'
    " size:10){ uploadUrl } }",
    lambda o, p: {"c": o.draft},
    EDITORS,
)
gql(
    "Mutation.confirmMaterialUpload",
    "mutation($m:ID!){ confirmMaterialUpload(materialId:$m){ id } }",
    lambda o, p: {"m": o.pending_material},
    EDITORS,
)
gql(
    "Mutation.moveModule",
    "mutation($id:ID!){ moveModule(id:$id, position:1){ id } }",
    lambda o, p: {"id": o.draft_module},
    EDITORS,
)
gql(
    "Mutation.moveLesson",
    "mutation($id:ID!){ moveLesson(id:$id, position:1){ id } }",
    lambda o, p: {"id": o.text_lesson},
    EDITORS,
)
gql(
    "Mutation.updateModule",
    "mutation($id:ID!,$i:ModuleInput!){ updateModule(id:$id, input:$i){ id } }",
    lambda o, p: {"id": o.draft_module, "i": {"titles": texts()}},
    EDITORS,
)
gql(
    "Mutation.deleteModule",
    "mutation($id:ID!){ deleteModule(id:$id) }",
    lambda o, p: {"id": p.get("module", o.draft_module)},
    EDITORS,
    prepare=fresh_module,
)
gql(
    "Mutation.updateLesson",
    "mutation($id:ID!,$i:UpdateLessonInput!){ updateLesson(id:$id, input:$i){ id } }",
    lambda o, p: {"id": o.text_lesson, "i": {"titles": texts()}},
    EDITORS,
)
gql(
    "Mutation.deleteLesson",
    "mutation($id:ID!){ deleteLesson(id:$id) }",
    lambda o, p: {"id": p.get("lesson", o.text_lesson)},
    EDITORS,
    prepare=fresh_lesson,
)
gql(
    "Mutation.publishCourse",
    "mutation($id:ID!){ publishCourse(id:$id){ id } }",
    lambda o, p: {"id": p.get("course", o.course)},
    EDITORS,
    prepare=fresh_draft_course,
)
gql(
    "Mutation.archiveCourse",
    "mutation($id:ID!){ archiveCourse(id:$id){ id } }",
    lambda o, p: {"id": p.get("course", o.course)},
    EDITORS,
    prepare=fresh_published_course,
)
gql("Mutation.enroll", "mutation($c:ID!){ enroll(courseId:$c){ id } }", lambda o, p: {"c": o.open_course}, ENROL)
gql(
    "Mutation.enrollCohort",
    "mutation($c:ID!,$m:[CohortMemberInput!]!){ enrollCohort(courseId:$c, members:$m){ enrolled } }",
    lambda o, p: {"c": o.open_course, "m": [member(o.org)]},
    COHORT,
)
gql(
    "Mutation.completeLesson",
    "mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ id } }",
    lambda o, p: {"e": o.enrollment, "l": o.text_lesson},
    STUDY,
)
gql(
    "Mutation.submitQuiz",
    "mutation($e:ID!,$l:ID!){ submitQuiz(enrollmentId:$e, lessonId:$l, answers:[]){ score } }",
    lambda o, p: {"e": o.enrollment, "l": o.quiz_lesson},
    STUDY,
)
# Live sessions and surveys (issue 15). The world's lessons are not LIVE or SURVEY: an allowed caller
# gets BAD_USER_INPUT ("not a live session") after authorization, which is what these rows check;
# the behaviour itself is in services/progress/tests/integration/test_attendance.py.
gql(
    "Mutation.openCheckIn",
    "mutation($l:ID!){ openCheckIn(lessonId:$l){ code } }",
    lambda o, p: {"l": o.text_lesson},
    EDITORS,
)
gql(
    "Mutation.checkIn",
    'mutation($e:ID!,$l:ID!){ checkIn(enrollmentId:$e, lessonId:$l, code:"ACDEFG"){ status } }',
    lambda o, p: {"e": o.enrollment, "l": o.text_lesson},
    STUDY,
)
gql(
    "Mutation.markAttendance",
    "mutation($l:ID!,$who:[ID!]!){ markAttendance(lessonId:$l, learnerIds:$who, present:true){ learnerId } }",
    lambda o, p: {"l": o.text_lesson, "who": [o.holder]},
    EDITORS,
)
gql(
    "Mutation.submitSurvey",
    "mutation($e:ID!,$l:ID!){ submitSurvey(enrollmentId:$e, lessonId:$l,"
    ' answers:[{questionId:"q1", rating:3}]){ status } }',
    lambda o, p: {"e": o.enrollment, "l": o.text_lesson},
    STUDY,
)
# The course's trainers and admins; country admins of any state (progress limits the rows to theirs).
COURSE_ATTENDANCE = table(HIDDEN, anonymous=HIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK, ca_other=OK)
for _field, _selection in (
    ("attendance", "{ learnerId }"),
    ("surveyResults", "{ questionId }"),
    ("attendanceCsvUrl", ""),
):
    gql(
        f"Course.{_field}",
        f"query($id:ID!,$l:ID!){{ course(id:$id){{ {_field}(lessonId:$l) {_selection} }} }}",
        lambda o, p: {"id": o.course, "l": o.text_lesson},
        COURSE_ATTENDANCE,
        pick=lambda d, f=_field: (d.get("course") or {}).get(f),
    )
# Registration (issue 15): deciding acts on the world's ACTIVE enrolment, so an allowed caller gets
# CONFLICT ("already approved", "only a PENDING or WAITLISTED one can be rejected"), which changes
# nothing; the decisions themselves are tested in services/progress/tests/integration/test_registration.py.
gql(
    "Mutation.approveEnrollment",
    "mutation($e:ID!){ approveEnrollment(id:$e){ id } }",
    lambda o, p: {"e": o.enrollment},
    DECIDE_GQL,
)
gql(
    "Mutation.rejectEnrollment",
    'mutation($e:ID!){ rejectEnrollment(id:$e, reason:"authz"){ id } }',
    lambda o, p: {"e": o.enrollment},
    DECIDE_GQL,
)
gql(
    "Mutation.withdraw",
    "mutation($e:ID!){ withdraw(enrollmentId:$e){ id status } }",
    lambda o, p: {"e": o.enrollment},
    SEE_ENROLMENT,
    phase=2,
)
gql(
    "Mutation.issueCertificate",
    "mutation($c:ID!,$r:RecipientInput!){ issueCertificate(courseId:$c, recipient:$r){ id } }",
    lambda o, p: {"c": o.course, "r": {"name": f"Issued Person {uuid.uuid4().hex[:4]}", "org": o.org}},
    ISSUE,
)
gql(
    "Mutation.startBulkIssue",
    "mutation($i:BulkIssueInput!){ startBulkIssue(input:$i, dryRun:true){ total } }",
    lambda o, p: {"i": {"courseId": o.course, "recipients": [{"name": "Bulk Preview", "org": o.org}]}},
    BULK_START,
)
gql(
    "Mutation.revokeCertificate",
    'mutation($id:ID!){ revokeCertificate(id:$id, reason:"authorization matrix"){ id } }',
    lambda o, p: {"id": p.get("certificate", o.certificate)},
    REVOKE,
    prepare=fresh_certificate,
)

# No completion in the world failed to be certified: the id is unknown, so an allowed caller gets
# NOT_FOUND and the row checks that everyone else is refused before the lookup.
gql(
    "Mutation.retryAutoIssue",
    "mutation($id:ID!){ retryAutoIssue(id:$id){ id } }",
    lambda o, p: {"id": str(uuid.uuid4())},
    table(FORBIDDEN, admin=NOT_FOUND),
)

# --- REST: courses --------------------------------------------------------------------------------

R = Request
for infra in ("/healthz", "/readyz", "/metrics"):
    for svc in ("courses", "progress", "certificates", "notifications"):
        # Liveness and metrics are for the orchestrator on the service's own port (the public
        # ingress does not route them, issue 13 finding 11).
        rest(f"{svc} GET {infra}", lambda o, p, path=infra: R("GET", path), PUBLIC)

rest(
    "courses POST /v1/courses",
    lambda o, p: R("POST", "/v1/courses", {"slug": slug(), "titles": texts(), "defaultLanguage": "en"}),
    TRAINER_ROLE,
)
rest(
    "courses GET /v1/courses",
    lambda o, p: R("GET", "/v1/courses", params={"search": o.search, "first": "100"}),
    DRAFT_VISIBLE,
    shows=lambda o: o.draft,
)
rest(
    "courses GET /v1/courses/{course_id}",
    lambda o, p: R("GET", f"/v1/courses/{o.draft}"),
    table(NOT_FOUND, anonymous=NOT_FOUND, owner=OK, co_owner=OK, admin=OK),
)
rest(
    # Issue 15: the iCalendar feed of a published course's sessions, public like the catalogue (no join links).
    "courses GET /v1/courses/{course_id}/calendar.ics",
    lambda o, p: R("GET", f"/v1/courses/{o.course}/calendar.ics"),
    PUBLIC,
)
rest(
    "courses PATCH /v1/courses/{course_id}",
    lambda o, p: R("PATCH", f"/v1/courses/{o.course}", {"topics": ["authz"]}),
    EDITORS,
)
rest(
    "courses POST /v1/courses/{course_id}/co-owners",
    lambda o, p: R("POST", f"/v1/courses/{o.draft}/co-owners", {"trainerId": f"authz-nobody-{uuid.uuid4().hex[:6]}"}),
    EDITORS,
)
rest(
    "courses DELETE /v1/courses/{course_id}/co-owners/{trainer_id}",
    lambda o, p: R("DELETE", f"/v1/courses/{o.draft}/co-owners/{p['trainer']}"),
    EDITORS,
    prepare=fresh_co_owner,
    prepare_all=True,
)
rest(
    "courses POST /v1/courses/{course_id}/publish",
    lambda o, p: R("POST", f"/v1/courses/{p.get('course', o.course)}/publish"),
    EDITORS,
    prepare=fresh_draft_course,
)
rest(
    "courses POST /v1/courses/{course_id}/archive",
    lambda o, p: R("POST", f"/v1/courses/{p.get('course', o.course)}/archive"),
    EDITORS,
    prepare=fresh_published_course,
)
rest(
    "courses POST /v1/courses/{course_id}/modules",
    lambda o, p: R("POST", f"/v1/courses/{o.draft}/modules", {"titles": texts()}),
    EDITORS,
)
rest(
    "courses PATCH /v1/modules/{module_id}",
    lambda o, p: R("PATCH", f"/v1/modules/{o.draft_module}", {"position": 1}),
    EDITORS,
)
rest(
    "courses DELETE /v1/modules/{module_id}",
    lambda o, p: R("DELETE", f"/v1/modules/{p.get('module', o.draft_module)}"),
    EDITORS,
    prepare=fresh_module,
)
rest(
    "courses POST /v1/modules/{module_id}/lessons",
    lambda o, p: R("POST", f"/v1/modules/{o.draft_module}/lessons", {"kind": "TEXT", "titles": texts()}),
    EDITORS,
)
rest(
    "courses PATCH /v1/lessons/{lesson_id}",
    lambda o, p: R("PATCH", f"/v1/lessons/{o.text_lesson}", {"position": 1}),
    EDITORS,
)
rest(
    "courses DELETE /v1/lessons/{lesson_id}",
    lambda o, p: R("DELETE", f"/v1/lessons/{p.get('lesson', o.text_lesson)}"),
    EDITORS,
    prepare=fresh_lesson,
)
rest(
    "courses POST /v1/courses/{course_id}/materials",
    lambda o, p: R(
        "POST", f"/v1/courses/{o.draft}/materials", {"filename": "a.pdf", "contentType": "application/pdf", "size": 10}
    ),
    EDITORS,
)
rest(
    "courses POST /v1/materials/{material_id}/confirm",
    lambda o, p: R("POST", f"/v1/materials/{o.pending_material}/confirm"),
    EDITORS,
)
rest("courses GET /v1/materials/{material_id}", lambda o, p: R("GET", f"/v1/materials/{o.material}"), MATERIAL)
rest(
    "courses GET /v1/materials/{material_id}/download",
    lambda o, p: R("GET", f"/v1/materials/{o.material}/download"),
    MATERIAL,
)

# --- REST: progress -------------------------------------------------------------------------------

rest("progress POST /v1/enrollments", lambda o, p: R("POST", "/v1/enrollments", {"courseId": o.open_course}), ENROL)
rest(
    "progress GET /v1/enrollments/mine",
    lambda o, p: R("GET", "/v1/enrollments/mine"),
    OWN_ONLY,
    shows=lambda o: o.enrollment,
)
rest(
    "progress GET /v1/enrollments/{enrollment_id}",
    lambda o, p: R("GET", f"/v1/enrollments/{o.enrollment}"),
    SEE_ENROLMENT,
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/withdraw",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/withdraw"),
    SEE_ENROLMENT,
    phase=2,
)
rest(
    "progress GET /v1/enrollments/pending",
    lambda o, p: R("GET", "/v1/enrollments/pending", params={"courseId": o.course}),
    PENDING_QUEUE,
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/approve",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/approve"),
    DECIDE_REST,
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/reject",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/reject", {"reason": "authz"}),
    DECIDE_REST,
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/lessons/{lesson_id}/complete",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/lessons/{o.text_lesson}/complete"),
    STUDY,
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/quizzes/{lesson_id}/attempts",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/quizzes/{o.quiz_lesson}/attempts", {"answers": []}),
    STUDY,
)
# Live sessions and surveys (issue 15): see the GraphQL rows above for why the lesson is a text one.
rest(
    "progress POST /v1/check-in-codes",
    lambda o, p: R("POST", "/v1/check-in-codes", {"lessonId": o.text_lesson}),
    table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK),
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/lessons/{lesson_id}/check-in",
    lambda o, p: R("POST", f"/v1/enrollments/{o.enrollment}/lessons/{o.text_lesson}/check-in", {"code": "ACDEFG"}),
    STUDY,
)
rest(
    "progress POST /v1/attendance",
    lambda o, p: R("POST", "/v1/attendance", {"lessonId": o.text_lesson, "learnerIds": [o.holder], "present": True}),
    table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK),
)
rest(
    "progress POST /v1/enrollments/{enrollment_id}/surveys/{lesson_id}/submissions",
    lambda o, p: R(
        "POST",
        f"/v1/enrollments/{o.enrollment}/surveys/{o.text_lesson}/submissions",
        {"answers": [{"questionId": "q1", "rating": 3}]},
    ),
    STUDY,
)
for _path in ("attendance", "survey-results"):
    rest(
        f"progress GET /v1/courses/{{course_id}}/lessons/{{lesson_id}}/{_path}",
        lambda o, p, path=_path: R("GET", f"/v1/courses/{o.course}/lessons/{o.text_lesson}/{path}"),
        COURSE_FIGURES,
    )
rest(
    "progress POST /v1/courses/{course_id}/lessons/{lesson_id}/attendance/exports",
    lambda o, p: R("POST", f"/v1/courses/{o.course}/lessons/{o.text_lesson}/attendance/exports"),
    COURSE_FIGURES,
)
# Attendance counts are public (LiveSession.attended); the join link in the same answer is null for
# anyone but admitted learners, the course's trainers and admins (test_attendance.py checks that).
rest(
    "progress GET /v1/courses/{course_id}/live",
    lambda o, p: R("GET", f"/v1/courses/{o.course}/live"),
    PUBLIC,
)
rest(
    "progress POST /v1/courses/{course_id}/cohort",
    lambda o, p: R("POST", f"/v1/courses/{o.open_course}/cohort", {"members": [member(o.org)]}),
    COHORT,
)
# Asking for the object's state (org=): the other state's country admin is FORBIDDEN, never an
# empty answer (issue 14); without org= they get their own state's figures (report.csv below).
rest(
    "progress GET /v1/courses/{course_id}/stats",
    lambda o, p: R("GET", f"/v1/courses/{o.course}/stats", params={"org": o.org}),
    table(FORBIDDEN, owner=OK, co_owner=OK, admin=OK, ca_same=OK),
)
rest(
    "progress GET /v1/courses/{course_id}/report.csv",
    lambda o, p: R("GET", f"/v1/courses/{o.course}/report.csv"),
    COURSE_FIGURES,
)
# National reports and the learner directory (issue 14): the object's state asked for by name.
rest(
    "progress GET /v1/reports/national",
    lambda o, p: R("GET", "/v1/reports/national", params={"groupBy": "ORG,MONTH", "org": o.org}),
    NATIONAL_REPORT,
)
rest(
    "progress POST /v1/reports/national/exports",
    lambda o, p: R("POST", "/v1/reports/national/exports", {"groupBy": ["MUNICIPALITY"], "org": o.org}),
    NATIONAL_REPORT,
)
# The CSV link is the permission (a random token made by the row above): one never made answers
# NOT_FOUND to everyone, signed in or not (tests/integration/test_national.py downloads a real one).
rest(
    "progress GET /v1/reports/national/exports/{token}.csv",
    lambda o, p: R("GET", f"/v1/reports/national/exports/{'A' * 43}.csv"),
    table(NOT_FOUND, anonymous=NOT_FOUND),
)
rest(
    "progress GET /v1/learners",
    lambda o, p: R("GET", "/v1/learners", params={"org": o.org}),
    LEARNER_DIRECTORY,
)

# --- REST: certificates ---------------------------------------------------------------------------

rest(
    "certificates GET /v1/certificates/mine",
    lambda o, p: R("GET", "/v1/certificates/mine"),
    OWN_ONLY,
    shows=lambda o: o.certificate,
)
rest(
    "certificates GET /v1/certificates",
    lambda o, p: R("GET", "/v1/certificates", params={"courseId": o.course}),
    CERTIFICATE_LIST,
    shows=lambda o: o.certificate,
)
rest(
    "certificates GET /v1/certificates/search",
    lambda o, p: R("GET", "/v1/certificates/search", params={"code": o.code}),
    CERTIFICATE_SEARCH,
    shows=lambda o: o.certificate,
)
rest(
    "certificates GET /v1/certificates/{cert_id}",
    lambda o, p: R("GET", f"/v1/certificates/{o.certificate}"),
    SEE_CERTIFICATE,
)
rest(
    "certificates POST /v1/certificates",
    lambda o, p: R(
        "POST",
        "/v1/certificates",
        {"courseId": o.course, "recipient": {"name": f"Issued Person {uuid.uuid4().hex[:4]}", "org": o.org}},
    ),
    ISSUE,
)
rest(
    "certificates POST /v1/certificates/{cert_id}/revoke",
    lambda o, p: R(
        "POST", f"/v1/certificates/{p.get('certificate', o.certificate)}/revoke", {"reason": "authorization matrix"}
    ),
    REVOKE,
    prepare=fresh_certificate,
)
rest("certificates GET /v1/verify/{code}", lambda o, p: R("GET", f"/v1/verify/{o.code}"), PUBLIC)
rest("certificates GET /.well-known/did.json", lambda o, p: R("GET", "/.well-known/did.json"), PUBLIC)
rest("certificates GET /.well-known/jwks.json", lambda o, p: R("GET", "/.well-known/jwks.json"), PUBLIC)
rest("certificates GET /v1/status-lists/{list_number}", lambda o, p: R("GET", "/v1/status-lists/0"), PUBLIC)
rest("certificates GET /v1/credentials/{code}", lambda o, p: R("GET", f"/v1/credentials/{o.code}"), PUBLIC)
rest(
    "certificates GET /v1/contexts/{name}",
    lambda o, p: R("GET", "/v1/contexts/credentials-v2.jsonld"),
    PUBLIC,
)
rest(
    "certificates POST /v1/bulk-jobs",
    lambda o, p: R(
        "POST",
        "/v1/bulk-jobs",
        {"courseId": o.course, "recipients": [{"name": "Bulk Preview", "org": o.org}]},
        {"dryRun": "true"},
    ),
    BULK_START,
)
rest(
    "certificates GET /v1/bulk-jobs",
    lambda o, p: R("GET", "/v1/bulk-jobs", params={"courseId": o.course}),
    BULK_JOBS,
    shows=lambda o: o.job,
)
rest(
    "certificates POST /v1/print-batches",
    lambda o, p: R("POST", "/v1/print-batches", {"format": "PDF", "courseId": o.course}),
    table(FORBIDDEN, ca_same=OK, ca_other=OK, admin=OK),
)
rest(
    "certificates GET /v1/print-batches/{batch_id}",
    lambda o, p: R("GET", f"/v1/print-batches/{o.print_batch}"),
    PRINT_READ,
)
# 200 once a worker wrote the file, 409 before: both are answers to an admin, not refusals of who asks.
rest(
    "certificates GET /v1/print-batches/{batch_id}/download",
    lambda o, p: R("GET", f"/v1/print-batches/{o.print_batch}/download"),
    PRINT_READ,
)
rest(
    "certificates POST /v1/print-batches/{batch_id}/retry",
    lambda o, p: R("POST", f"/v1/print-batches/{o.print_batch}/retry"),
    PRINT_READ,
)
rest("certificates GET /v1/bulk-jobs/{job_id}", lambda o, p: R("GET", f"/v1/bulk-jobs/{o.job}"), ADMIN_ONLY)
rest("certificates GET /v1/bulk-jobs/{job_id}/rows", lambda o, p: R("GET", f"/v1/bulk-jobs/{o.job}/rows"), ADMIN_ONLY)
rest(
    "certificates POST /v1/bulk-jobs/{job_id}/cancel",
    lambda o, p: R("POST", f"/v1/bulk-jobs/{p.get('job', o.job)}/cancel"),
    ADMIN_ONLY,
    prepare=fresh_job,
)
rest(
    "certificates GET /v1/auto-issue-failures",
    lambda o, p: R("GET", "/v1/auto-issue-failures", params={"courseId": o.course}),
    COURSE_TRAINERS,
)
rest(
    "certificates POST /v1/auto-issue-failures/{failure_id}/retry",
    lambda o, p: R("POST", f"/v1/auto-issue-failures/{uuid.uuid4()}/retry", {}),
    table(FORBIDDEN, admin=NOT_FOUND),
)
rest("certificates GET /v1/templates", lambda o, p: R("GET", "/v1/templates"), ADMIN_ONLY)
rest("certificates GET /v1/templates/{template_id}", lambda o, p: R("GET", f"/v1/templates/{o.template}"), ADMIN_ONLY)
rest(
    "certificates PUT /v1/templates/{template_id}",
    lambda o, p: R("PUT", f"/v1/templates/authz-{uuid.uuid4().hex[:8]}", {}),
    ADMIN_ONLY,
)
# National co-branding (issue 14, item 5): admins manage a state's variant; the state's own country
# admin may preview it (a sample PDF, nothing stored), no other. An empty PUT is refused as bad input
# (422, an answer to an admin); a variant that was never set answers 404 to an admin.
rest(
    "certificates GET /v1/templates/{template_id}/variants",
    lambda o, p: R("GET", f"/v1/templates/{o.template}/variants"),
    ADMIN_ONLY,
)
rest(
    "certificates GET /v1/templates/{template_id}/variants/{org}",
    lambda o, p: R("GET", f"/v1/templates/authz-{uuid.uuid4().hex[:8]}/variants/{o.org}"),
    table(FORBIDDEN, admin=NOT_FOUND),
)
rest(
    "certificates PUT /v1/templates/{template_id}/variants/{org}",
    lambda o, p: R("PUT", f"/v1/templates/{o.template}/variants/{o.org}", {}),
    ADMIN_ONLY,
)
rest(
    "certificates DELETE /v1/templates/{template_id}/variants/{org}",
    lambda o, p: R("DELETE", f"/v1/templates/authz-{uuid.uuid4().hex[:8]}/variants/{o.org}"),
    table(FORBIDDEN, admin=NOT_FOUND),
)
rest(
    "certificates POST /v1/templates/{template_id}/variants/{org}/preview",
    lambda o, p: R("POST", f"/v1/templates/{o.template}/variants/{o.org}/preview", {}),
    table(FORBIDDEN, admin=OK, ca_same=OK),
)

# The same in GraphQL. The save row sends no partner name: refused as bad input (an answer to an admin),
# so the suite's shared stack never gets a co-branded default template.
gql(
    "Query.certificateVariants",
    "query($t:ID){ certificateVariants(templateId:$t){ org version } }",
    lambda o, p: {"t": o.template},
    ADMIN_ONLY,
)
gql(
    "Mutation.saveCertificateVariant",
    "mutation($t:ID,$o:String!){ saveCertificateVariant(templateId:$t, org:$o, input:{partnerNames:[]}){ version } }",
    lambda o, p: {"t": o.template, "o": o.org},
    ADMIN_ONLY,
)
gql(
    "Mutation.removeCertificateVariant",
    "mutation($t:ID,$o:String!){ removeCertificateVariant(templateId:$t, org:$o) }",
    lambda o, p: {"t": f"authz-{uuid.uuid4().hex[:8]}", "o": o.org},
    table(FORBIDDEN, admin=NOT_FOUND),
)
gql(
    "Mutation.previewCertificateVariant",
    "mutation($t:ID,$o:String!){ previewCertificateVariant(templateId:$t, org:$o) }",
    lambda o, p: {"t": o.template, "o": o.org},
    table(FORBIDDEN, admin=OK, ca_same=OK),
)

# --- notifications (issue 16): everyone signed in has their own; nobody reads or marks another's -------
# The object's notification is its holder's "certificate issued": only the holder sees it in their list
# (an admin's list is the admin's own), and only the holder's mark counts it (another person's id marks
# 0, answered as HIDDEN by ``pick``). Preferences are the caller's own by construction (no id to name).
gql(
    "Query.myNotifications",
    "{ myNotifications(first: 50) { nodes { id } unread totalCount } }",
    lambda o, p: {},
    OWN_ONLY,
    shows=lambda o: o.notification,
)
gql("Query.myNotificationPreferences", "{ myNotificationPreferences { email digest } }", lambda o, p: {}, SIGNED_IN)
gql(
    "Mutation.markNotificationsRead",
    "mutation($ids:[ID!]){ markNotificationsRead(ids:$ids) }",
    lambda o, p: {"ids": [o.notification]},
    OWN_ONLY,
    pick=lambda d: d.get("markNotificationsRead") or None,
)
gql(
    "Mutation.updateNotificationPreferences",
    "mutation{ updateNotificationPreferences(input:{digest: NONE}){ digest } }",
    lambda o, p: {},
    SIGNED_IN,
)
# Parked emails (admins only): the list, and a replay of a delivery that does not exist (an admin's
# answer is NOT_FOUND, everyone else is refused before the service is asked).
gql(
    "Query.emailDeliveries",
    "{ emailDeliveries(status: PARKED, first: 5){ totalCount } }",
    lambda o, p: {},
    ADMIN_ONLY,
)
gql(
    "Mutation.replayEmailDelivery",
    "mutation($id:ID!){ replayEmailDelivery(id:$id){ id } }",
    lambda o, p: {"id": f"authz-{uuid.uuid4().hex[:8]}"},
    table(FORBIDDEN, admin=NOT_FOUND),
)

# --- REST: notifications (issue 16): the caller's own, checked again by the service ----------------
# Someone else's notification is NOT_FOUND (its existence is not told); lists and preferences are the
# caller's own by construction. Marking sends no ids here, so no cell changes the object's notification
# (the GraphQL row above marks it); foreign and unknown ids counting 0 is checked in
# services/notifications/tests/integration/test_notifications.py.
rest(
    "notifications GET /v1/notifications",
    lambda o, p: R("GET", "/v1/notifications", params={"first": "100"}),
    OWN_ONLY,
    shows=lambda o: o.notification,
)
rest(
    "notifications GET /v1/notifications/{notification_id}",
    lambda o, p: R("GET", f"/v1/notifications/{o.notification}"),
    table(NOT_FOUND, holder=OK),
)
rest(
    "notifications POST /v1/notifications/read",
    lambda o, p: R("POST", "/v1/notifications/read", {"ids": []}),
    SIGNED_IN,
)
rest("notifications GET /v1/preferences", lambda o, p: R("GET", "/v1/preferences"), SIGNED_IN)
rest("notifications PUT /v1/preferences", lambda o, p: R("PUT", "/v1/preferences", {"digest": "NONE"}), SIGNED_IN)


# --- REST: notifications' email part (issue 16, item 3): links and admin routes ---------------------
ANONYMOUS_CHANGES = {
    # RFC 8058: the mailbox provider posts the one-click request without any session of ours.
    "notifications POST /v1/unsubscribe/{token}": "one-click unsubscribe, authorized by the link's signature",
}


# An unsubscribe link works for whoever holds it, signed in or not: its signature is the authorization
# (a forged one is refused for everyone: services/notifications/tests/integration/test_email_delivery.py).
# The POST mutes BULK_JOB_FINISHED of the object's holder, a kind no other row reads.
async def unsubscribe_link(c: WorldClient, o: Obj) -> dict[str, str]:
    from notifications.domain.email import sign_unsubscribe

    return {"token": sign_unsubscribe(c.world.unsubscribe_secret.encode(), o.holder, "BULK_JOB_FINISHED")}


rest(
    "notifications GET /v1/unsubscribe/{token}",
    lambda o, p: R("GET", f"/v1/unsubscribe/{p['token']}"),
    PUBLIC,
    prepare=unsubscribe_link,
)
rest(
    "notifications POST /v1/unsubscribe/{token}",
    lambda o, p: R("POST", f"/v1/unsubscribe/{p['token']}"),
    PUBLIC,
    prepare=unsubscribe_link,
)
# Parked emails carry addresses of people of every state: admins only, country admins included out.
rest(
    "notifications GET /v1/admin/email-deliveries",
    lambda o, p: R("GET", "/v1/admin/email-deliveries", params={"status": "PARKED"}),
    ADMIN_ONLY,
)
rest(
    "notifications POST /v1/admin/email-deliveries/{delivery_id}/replay",
    lambda o, p: R("POST", f"/v1/admin/email-deliveries/{uuid.uuid4()}/replay"),
    table(FORBIDDEN, admin=NOT_FOUND),
)
# The development mailbox: served by the test stack (LMS_ENV=test, set by the launcher), never in
# production; what it shows is the local SMTP server's folder, the same for everyone.
rest("notifications GET /dev/mailbox", lambda o, p: R("GET", "/dev/mailbox"), PUBLIC)
rest(
    "notifications GET /dev/mailbox/{name}",
    lambda o, p: R("GET", "/dev/mailbox/none.eml"),
    table(NOT_FOUND, anonymous=NOT_FOUND),
)
rest(
    "notifications GET /dev/mailbox/{name}/{part}",
    lambda o, p: R("GET", "/dev/mailbox/none.eml/html"),
    table(NOT_FOUND, anonymous=NOT_FOUND),
)

# --- a learner's data: export and erasure (issue 14, item 6; docs/privacy.md) -----------------------
# Admins, and the country admin of the learner's state (as progress and certificates recorded it);
# nobody else, not even the learner (their own data reaches them through an admin's export).
LEARNER_DATA = table(FORBIDDEN, admin=OK, ca_same=OK)


async def erasable_learner(c: WorldClient, o: Obj) -> dict[str, str]:
    """A learner of the object's state, enrolled by cohort, so that erasing them costs the world nothing."""
    m = member(o.org)
    await c.call("progress", "POST", f"/v1/courses/{o.course}/cohort", "admin", json={"members": [m]})
    return {"learner": m["learnerId"]}


gql(
    "Query.learnerExport",
    "query($id:ID!){ learnerExport(learnerId:$id) }",
    lambda o, p: {"id": o.holder},
    LEARNER_DATA,
)
gql(
    "Mutation.eraseLearner",
    'mutation($id:ID!){ eraseLearner(learnerId:$id, reason:"authorization matrix"){ pseudonym } }',
    lambda o, p: {"id": p.get("learner", o.holder)},
    LEARNER_DATA,
    prepare=erasable_learner,
)
rest(
    "progress GET /v1/learners/{learner_id}/export",
    lambda o, p: R("GET", f"/v1/learners/{o.holder}/export"),
    LEARNER_DATA,
)
rest(
    "progress POST /v1/learners/{learner_id}/erasure",
    lambda o, p: R("POST", f"/v1/learners/{p.get('learner', o.holder)}/erasure", {"reason": "authorization matrix"}),
    LEARNER_DATA,
    prepare=erasable_learner,
)
rest(
    "certificates GET /v1/learners/{learner_id}/export",
    lambda o, p: R("GET", f"/v1/learners/{o.holder}/export"),
    LEARNER_DATA,
)
# courses keeps ids only and no member state, so it cannot check a country admin's scope: admins only.
rest(
    "courses GET /v1/learners/{learner_id}/export", lambda o, p: R("GET", f"/v1/learners/{o.holder}/export"), ADMIN_ONLY
)
