// The admin's pages: bulk issuance with live progress, revocation, reports per country and municipality.
export { BulkIssuePage } from "./bulk";
export { ReportsPage } from "./reports";
export { LearnersPage } from "./learners";
export { RevokePage } from "./revoke";
