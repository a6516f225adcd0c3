// The admin's pages: bulk issuance with live progress, revocation, reports per country and municipality.
export { ApprovalsPage } from "./approvals";
export { BulkIssuePage } from "./bulk";
export { CobrandingPage } from "./cobranding";
export { ReportsPage } from "./reports";
export { LearnersPage } from "./learners";
export { RevokePage } from "./revoke";
