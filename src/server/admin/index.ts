export { ADMIN_PREFIX, createAdminHandler, isAdminPath, type AdminHandler, type AdminOptions } from "./api.js";
export type { JobEvent, EventStreamOptions } from "./events.js";
export type { FailedRow, ReportSummary } from "./report.js";
export type { JobSummary, JobView, ProgressView, ReportView } from "./views.js";
