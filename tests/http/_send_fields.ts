/**
 * send() for tests that read its result's fields whatever its kind
 * (`result.status`, `result.failure?.kind`).
 */
import type { AttemptFailure } from "../../lib/http/attempt_failure.ts";
import { send as sendOne } from "../../lib/http/send.ts";
import type { StoredBody } from "../../lib/util/stored_body.ts";

/** send(), its result's fields read whatever its kind. */
export async function send(...args: Parameters<typeof sendOne>) {
  return await sendOne(...args) as Awaited<ReturnType<typeof sendOne>> & {
    status?: number;
    headers?: Headers;
    url?: string;
    body?: StoredBody;
    failure?: AttemptFailure;
  };
}
