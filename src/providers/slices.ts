// Long loops in a request (thousands of rules, subnets, resources in a cascade) give the
// event loop back every few milliseconds, so health checks and requests that need no store
// transaction are answered meanwhile. Yielding changes no result: the transaction stays
// open and other transactions still wait for it in the store's queue.
import { setImmediate as nextTurn } from "node:timers/promises";

/** Budget of uninterrupted work, in ms, before a loop yields. */
export const SLICE_MS = 8;

/** A yield point for one loop: `await slice()` each item; it yields only once per budget. */
export function slicer(budgetMs = SLICE_MS): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}
