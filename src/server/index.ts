export * from "./dispatcher.js";
export * from "./fetch-handler.js";
export * from "./node-handler.js";
export type { Dialect, DialectContext, RequestHead, TransportProblem, WireRequest, WireResponse } from "../../dialects/dialect.js";
export { defaultDialects } from "./default-dialects.js";
export { formatAccessLog, serve, type RunningServer, type ServeOptions } from "./serve.js";
export * from "./admin/index.js";
export { createLogSink, accessRecord, type LogFormat, type LogRecord, type LogSink } from "./server-log.js";
