/**
 * Liveness locks: how a worker tells, on one machine, a live worker from a
 * dead one at once (a lock file the kernel drops when the process dies).
 *
 * @module
 */

/**
 * Where a worker of this machine holds its liveness lock: a file in the
 * temporary directory, named after the worker, locked for as long as the
 * worker runs. The kernel drops the lock when the process dies, however it
 * dies (kill -9 included), so another worker can tell a dead one from a live
 * one at once, without waiting for its lease to run out. This stands in for a
 * look at /proc, which Deno allows only with --allow-all.
 */
function livenessLockPath(owner: string): string {
  let dir = "/tmp";
  try {
    dir = Deno.env.get("TMPDIR") || dir;
  } catch {
    // No env permission: the default directory.
  }
  return `${dir}/sluice-worker-${owner.replace(/[^A-Za-z0-9._-]/g, "_")}.lock`;
}

/** Takes this worker's liveness lock; undefined if the file cannot be made (no permission). */
export function holdLivenessLock(owner: string): Deno.FsFile | undefined {
  try {
    const file = Deno.openSync(livenessLockPath(owner), { write: true, create: true });
    if (file.tryLockSync(true)) return file;
    file.close();
  } catch {
    // Without a lock, other workers fall back to this worker's heartbeat.
  }
  return undefined;
}

/** Releases this worker's liveness lock and removes its file. */
export function releaseLivenessLock(owner: string, file: Deno.FsFile | undefined): void {
  if (!file) return;
  try {
    Deno.removeSync(livenessLockPath(owner));
  } catch {
    // Already removed by a worker that found it unlocked: fine.
  }
  file.close();
}

/**
 * Whether a worker of this machine is alive: its liveness lock still held
 * means alive; the lock free means dead (the file is removed); no lock file
 * means it cannot be told from the lock, so ask /proc.
 */
export function workerAlive(worker: { id: string; pid: number }): boolean | undefined {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(livenessLockPath(worker.id), { read: true, write: true });
  } catch {
    return processAlive(worker.pid);
  }
  try {
    if (!file.tryLockSync(true)) return true;
    try {
      Deno.removeSync(livenessLockPath(worker.id));
    } catch {
      // Another worker removed it first.
    }
    return false;
  } catch {
    return processAlive(worker.pid);
  } finally {
    file.close();
  }
}

/** True or false on Linux (from /proc, with --allow-all only), undefined where that cannot be told. */
function processAlive(pid: number): boolean | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    return undefined;
  }
}
