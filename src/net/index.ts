/**
 * Pure networking math for aksnet: CIDR arithmetic, AKS reserved ranges, allocation choices, port specs
 * and capacity formulas. No I/O; every failure is a NetError with a human-readable message.
 */
export * from "./allocator.js";
export * from "./capacity.js";
export * from "./cidr.js";
export * from "./portSpec.js";
export * from "./reserved.js";
