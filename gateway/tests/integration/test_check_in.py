"""Issue 15 through the gateway on the real stack: a forum session is checked in to with the rotating
code, attendance is marked and exported, the feedback survey answered, and the course completes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.graphql import GraphQLError

from .support import CREATE, MODULE, PUBLISH, enroll_when_ready, uid

pytestmark = pytest.mark.integration

LESSON = """mutation($m:ID!,$i:LessonInput!){ addLesson(moduleId:$m, input:$i){
  id survey { questions { id options { id } } } } }"""
OPEN = """mutation($l:ID!,$m:Int){ openCheckIn(lessonId:$l, minutes:$m){ code url expiresAt closesAt } }"""
CHECK_IN = """mutation($e:ID!,$l:ID!,$c:String!){ checkIn(enrollmentId:$e, lessonId:$l, code:$c){
  lessonId status completedAt } }"""
MARK = """mutation($l:ID!,$who:[ID!]!,$p:Boolean!){ markAttendance(lessonId:$l, learnerIds:$who, present:$p){
  learnerId present method } }"""
SUBMIT = """mutation($e:ID!,$l:ID!,$a:[SurveyAnswerInput!]!){ submitSurvey(enrollmentId:$e, lessonId:$l, answers:$a){
  lessonId status } }"""
COMPLETE = """mutation($e:ID!,$l:ID!){ completeLesson(enrollmentId:$e, lessonId:$l){ id } }"""
SESSIONS = """query($id:ID!){ course(id:$id){ modules { lessons { id live { attended onlineUrl } } } } }"""
FIGURES = """query($id:ID!,$l:ID!,$s:ID!){ course(id:$id){
  attendance(lessonId:$l){ learnerId learnerName org present method checkedInAt }
  surveyResults(lessonId:$s){ questionId responses mean distribution optionCounts texts }
  attendanceCsvUrl(lessonId:$l) } }"""
ENROLMENT = """query($id:ID!){ course(id:$id){ enrollment { status } } }"""


async def forum(trainer: Any) -> tuple[str, str, str, list[dict[str, Any]]]:
    starts = datetime.now(UTC) - timedelta(minutes=10)
    course = (
        await trainer.q(
            CREATE,
            input={
                "slug": uid("forum"),
                "titles": [{"lang": "az", "text": "Forum"}, {"lang": "en", "text": "Forum"}],
                "defaultLanguage": "az",
                "certificateKind": "PARTICIPATION",
            },
        )
    )["createCourse"]
    module = (await trainer.q(MODULE, c=course["id"], i={"titles": [{"lang": "az", "text": "Gün 1"}]}))["addModule"]
    live = {
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "Asia/Baku",
        "onlineUrl": "https://meet.example.org/forum-day-1",
    }
    session = await trainer.q(
        LESSON, m=module["id"], i={"kind": "LIVE", "titles": [{"lang": "az", "text": "Açılış"}], "live": live}
    )
    survey = {
        "questions": [
            {"kind": "RATING", "prompts": [{"lang": "en", "text": "Rate the day"}]},
            {
                "kind": "SINGLE_CHOICE",
                "prompts": [{"lang": "en", "text": "Again?"}],
                "options": [
                    {"labels": [{"lang": "en", "text": "Yes"}], "correct": False},
                    {"labels": [{"lang": "en", "text": "No"}], "correct": False},
                ],
            },
        ]
    }
    feedback = await trainer.q(
        LESSON, m=module["id"], i={"kind": "SURVEY", "titles": [{"lang": "az", "text": "Rəy"}], "survey": survey}
    )
    await trainer.q(PUBLISH, id=course["id"])
    questions = feedback["addLesson"]["survey"]["questions"]
    return course["id"], session["addLesson"]["id"], feedback["addLesson"]["id"], questions


async def test_a_forum_day_from_check_in_to_completion(client_for: Any, gateway_url: str) -> None:
    trainer = client_for(uid("trainer"), ["trainer"])
    course_id, session, feedback, questions = await forum(trainer)
    leyla_id, aruzhan_id = uid("learner"), uid("learner")
    leyla = client_for(leyla_id, ["learner"], org="AZ", municipality="Gəncə")
    aruzhan = client_for(aruzhan_id, ["learner"], org="KZ")
    stranger = client_for(uid("learner"), ["learner"], org="UZ")
    e_leyla = await enroll_when_ready(leyla, course_id)
    await enroll_when_ready(aruzhan, course_id)

    first = (await trainer.q(OPEN, l=session, m=None))["openCheckIn"]
    second = (await trainer.q(OPEN, l=session, m=None))["openCheckIn"]
    assert first["code"] != second["code"] and len(second["code"]) == 6
    url = urlsplit(second["url"])
    assert url.path == f"/check-in/{course_id}/{session}" and parse_qs(url.query) == {"code": [second["code"]]}
    assert datetime.fromisoformat(second["expiresAt"]) <= datetime.fromisoformat(second["closesAt"])

    with pytest.raises(GraphQLError) as refused:
        await stranger.q(OPEN, l=session, m=None)
    assert refused.value.codes == {"FORBIDDEN"}
    with pytest.raises(GraphQLError) as live_lesson:
        await leyla.q(COMPLETE, e=e_leyla["id"], l=session)
    assert live_lesson.value.codes == {"BAD_USER_INPUT"}
    with pytest.raises(GraphQLError) as wrong:
        await leyla.q(CHECK_IN, e=e_leyla["id"], l=session, c="AAAAAA")
    assert wrong.value.codes == {"BAD_USER_INPUT"}

    checked = (await leyla.q(CHECK_IN, e=e_leyla["id"], l=session, c=first["code"]))["checkIn"]
    assert checked["status"] == "COMPLETED" and checked["lessonId"] == session
    marked = (await trainer.q(MARK, l=session, who=[aruzhan_id], p=True))["markAttendance"]
    assert marked == [{"learnerId": aruzhan_id, "present": True, "method": "TRAINER"}]

    def sessions(data: dict[str, Any]) -> list[Any]:
        return [x["live"] for x in data["course"]["modules"][0]["lessons"] if x["live"]]

    assert sessions(await leyla.q(SESSIONS, id=course_id)) == [
        {"attended": 2, "onlineUrl": "https://meet.example.org/forum-day-1"}
    ]
    assert sessions(await stranger.q(SESSIONS, id=course_id)) == [{"attended": 2, "onlineUrl": None}]
    assert sessions(await client_for().q(SESSIONS, id=course_id)) == [{"attended": 2, "onlineUrl": None}]

    answers = [
        {"questionId": questions[0]["id"], "rating": 4},
        {"questionId": questions[1]["id"], "optionIds": [questions[1]["options"][0]["id"]]},
    ]
    with pytest.raises(GraphQLError) as bad:
        await leyla.q(SUBMIT, e=e_leyla["id"], l=feedback, a=[{"questionId": questions[0]["id"], "rating": 9}])
    assert bad.value.codes == {"BAD_USER_INPUT"}
    done = (await leyla.q(SUBMIT, e=e_leyla["id"], l=feedback, a=answers))["submitSurvey"]
    assert done["status"] == "COMPLETED"
    assert (await leyla.q(ENROLMENT, id=course_id))["course"]["enrollment"]["status"] == "COMPLETED"

    figures = (await trainer.q(FIGURES, id=course_id, l=session, s=feedback))["course"]
    rows = {r["learnerId"]: r for r in figures["attendance"]}
    assert (rows[leyla_id]["method"], rows[aruzhan_id]["method"]) == ("CODE", "TRAINER")
    assert rows[leyla_id]["org"] == "AZ" and rows[leyla_id]["checkedInAt"]
    assert [r["responses"] for r in figures["surveyResults"]] == [1, 1]
    assert figures["surveyResults"][0]["mean"] is None, "one respondent of an anonymous survey: counts only"
    async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
        exported = await http.get(figures["attendanceCsvUrl"])
    assert exported.status_code == 200, exported.text
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["learnerId"]: r["method"] for r in table} == {leyla_id: "CODE", aruzhan_id: "TRAINER"}

    for viewer in (leyla, stranger, client_for()):
        hidden = (await viewer.q(FIGURES, id=course_id, l=session, s=feedback))["course"]
        assert hidden == {"attendance": None, "surveyResults": None, "attendanceCsvUrl": None}
    ca = client_for(uid("ca"), ["country_admin"], org="KZ")
    theirs = (await ca.q(FIGURES, id=course_id, l=session, s=feedback))["course"]["attendance"]
    assert [r["learnerId"] for r in theirs] == [aruzhan_id]
