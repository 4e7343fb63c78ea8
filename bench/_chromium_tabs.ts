/**
 * Tabs of Debian's Chromium as a user has them, for bench/dashboard_tabs.ts:
 * one window, the first tab in front, the others opened in the background
 * (`Target.createTarget` with `background: true`, as a middle click opens a
 * link), driven over the DevTools protocol on a WebSocket.
 *
 * Not through playwright-core: every page playwright drives reports
 * `document.visibilityState === "visible"` (its pages are kept in sight so
 * that they render and take input: newPage, a persistent context,
 * bringToFront and turning its focus emulation off all left them visible in
 * Chromium 156), so five of its pages are five windows side by side, not five
 * tabs. Here each tab's visibility is read back and reported.
 *
 * @module
 */

import { CHROMIUM, CHROMIUM_FLAGS } from "../tests/browser/_chromium.ts";

export { CHROMIUM };

/** One open tab: its target and its protocol session. */
export interface Tab {
  targetId: string;
  sessionId: string;
}

// deno-lint-ignore no-explicit-any -- protocol replies are checked where read
type Reply = any;

/** A headless Chromium and the tabs it holds. */
export class Chromium {
  readonly #process: Deno.ChildProcess;
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  readonly #loaded = new Map<string, () => void>();
  #nextId = 0;

  private constructor(process: Deno.ChildProcess, socket: WebSocket) {
    this.#process = process;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message);
        this.#pending.delete(message.id);
      } else if (message.method === "Page.loadEventFired") {
        this.#loaded.get(message.sessionId)?.();
      }
    };
  }

  /** Starts headless Chromium with a fresh profile in `profileDir`. */
  static async launch(profileDir: string): Promise<Chromium> {
    const process = new Deno.Command(CHROMIUM, {
      args: [
        ...CHROMIUM_FLAGS,
        "--remote-debugging-port=0",
        `--user-data-dir=${profileDir}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let text = "";
    let address: string | undefined;
    const lines = process.stderr.pipeThrough(new TextDecoderStream()).getReader();
    while (address === undefined) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`Chromium exited before it listened: ${text.slice(-400)}`);
      text += value;
      address = /DevTools listening on (ws:\/\/\S+)/.exec(text)?.[1];
    }
    (async () => {
      while (!(await lines.read()).done) { /* drained, so Chromium never blocks on stderr */ }
    })().catch(() => {});
    const socket = new WebSocket(address);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return new Chromium(process, socket);
  }

  /** Sends one protocol command and waits for its reply; throws the protocol's error. */
  async send(method: string, params: object = {}, sessionId?: string): Promise<Reply> {
    const id = ++this.#nextId;
    const reply = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    const { result, error } = await reply;
    if (error) throw new Error(`${method}: ${error.message}`);
    return result;
  }

  /**
   * Opens `count` tabs on `url`, one after another, each once loaded: the
   * first in front and the others behind it, or with `windows` each in a
   * window of its own (all in sight, as windows side by side).
   */
  async openTabs(url: string, count: number, windows = false): Promise<Tab[]> {
    const tabs: Tab[] = [];
    for (let i = 0; i < count; i++) {
      const { targetId } = await this.send("Target.createTarget", {
        url: "about:blank",
        ...(windows ? { newWindow: true } : { background: i > 0 }),
      });
      const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
      await this.send("Page.enable", {}, sessionId);
      const loaded = new Promise<void>((resolve) => this.#loaded.set(sessionId, resolve));
      await this.send("Page.navigate", { url }, sessionId);
      await loaded;
      this.#loaded.delete(sessionId);
      tabs.push({ targetId, sessionId });
    }
    return tabs;
  }

  /** Each tab's `document.visibilityState`. */
  async visibility(tabs: readonly Tab[]): Promise<string[]> {
    const states = [];
    for (const tab of tabs) {
      const { result } = await this.send("Runtime.evaluate", {
        expression: "document.visibilityState",
        returnByValue: true,
      }, tab.sessionId);
      states.push(String(result.value));
    }
    return states;
  }

  /** Closes the tabs. */
  async closeTabs(tabs: readonly Tab[]): Promise<void> {
    for (const tab of tabs) await this.send("Target.closeTarget", { targetId: tab.targetId });
  }

  /** User + system CPU seconds of Chromium and its processes alive now (renderers, GPU, network), from /proc. */
  async cpuSeconds(): Promise<number> {
    const parents = new Map<number, number>();
    const ticks = new Map<number, number>();
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
      // "pid (comm) state ppid …": utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields.length < 13) continue;
      parents.set(Number(entry.name), Number(fields[1]));
      ticks.set(Number(entry.name), Number(fields[11]) + Number(fields[12]));
    }
    let total = 0;
    for (const [pid, n] of ticks) {
      for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) {
        if (at === this.#process.pid) {
          total += n;
          break;
        }
      }
    }
    return total / 100; // USER_HZ
  }

  /** Ends Chromium. */
  async close(): Promise<void> {
    this.#socket.close();
    this.#process.kill();
    await this.#process.status;
  }
}
