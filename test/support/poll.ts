/**
 * Asks `check` again every `everyMs` until it answers something other than undefined, and
 * resolves with that; rejects naming `what` (and the last answer seen, if `describe` gives one)
 * after `timeoutMs`. For waiting on another process, whose progress can only be observed.
 */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; everyMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.describe ? `: ${options.describe()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 20));
  }
}
