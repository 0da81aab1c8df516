export * from "./add-tagging.js";
export * from "./checksums.js";
export * from "./compute-checksum.js";
export * from "./copy.js";
export * from "./invoke-function.js";
export * from "./registry.js";
export * from "./types.js";
