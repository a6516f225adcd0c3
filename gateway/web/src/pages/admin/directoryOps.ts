// The national report and the learner directory (schema.graphql, "Country administration and national
// reports"): the operations the two pages send, typed by codegen (src/gql/).
import { graphql } from "../../gql";
import type {
  LearnerDirectoryQuery,
  LearnerDirectoryQueryVariables,
  NationalReportQuery,
  NationalReportQueryVariables,
  ReportDimension,
  ReportRowFieldsFragment,
} from "../../gql/graphql";

export type Dimension = ReportDimension;
export type ReportRowData = ReportRowFieldsFragment;
export type ReportVariables = NationalReportQueryVariables;
export type NationalReportData = NationalReportQuery;
export type LearnersVariables = LearnerDirectoryQueryVariables;
export type LearnerData = LearnerDirectoryQuery["learners"]["nodes"][number];

graphql(`fragment ReportRowFields on ReportRow {
  org municipality courseId courseTitle month enrolled completed certificates learners
}`);

export const NATIONAL_REPORT = graphql(`query NationalReport($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {
  table: report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { rows { ...ReportRowFields } totals { ...ReportRowFields } }
  byMonth: report(groupBy: [MONTH], org: $org, courseId: $courseId, from: $from, to: $to) { rows { month enrolled completed } }
  byMunicipality: report(groupBy: [ORG, MUNICIPALITY], org: $org, courseId: $courseId, from: $from, to: $to) { rows { org municipality enrolled completed } }
}`);

/** Asked for when the button is pressed: the link is signed and expires. */
export const NATIONAL_REPORT_CSV = graphql(`query NationalReportCsv($groupBy: [ReportDimension!]!, $org: String, $courseId: ID, $from: DateTime, $to: DateTime) {
  report(groupBy: $groupBy, org: $org, courseId: $courseId, from: $from, to: $to) { csvUrl }
}`);

export const LEARNER_DIRECTORY = graphql(`query LearnerDirectory($org: String, $municipality: String, $search: String, $first: Int, $after: String, $ui: String) {
  learners(org: $org, municipality: $municipality, search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name org municipality lastActiveAt
      enrollments { id status progressPercent enrolledAt completedAt course { id title(lang: $ui) } }
      certificates { id code courseTitle issuedAt status }
    }
  }
}`);

/** Everything the platform holds about one learner (admins; the learner's country admin). */
export const LEARNER_EXPORT = graphql(`query LearnerExport($learnerId: ID!) { learnerExport(learnerId: $learnerId) }`);

export const ERASE_LEARNER = graphql(`mutation EraseLearner($learnerId: ID!, $reason: String) {
  eraseLearner(learnerId: $learnerId, reason: $reason) { learnerId pseudonym erasedAt }
}`);
