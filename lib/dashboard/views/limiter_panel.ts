/**
 * The limiter panel of the running job, with its controls: pause or resume,
 * and a new rate.
 *
 * @module
 */
import { html } from "../../deps.ts";
import type { Html } from "./layout.ts";

/** Pause and rate of the running job; `allowed`: the visitor holds the token. */
export interface ControlsView {
  /** True while paused: the button resumes. */
  paused: boolean;
  /** The rate in force, as text. */
  rate: string;
  /** The visitor holds the token: the forms are shown. */
  allowed: boolean;
}

const LINES: [field: string, label: string][] = [
  ["configured", "configured"],
  ["allowed", "allowed now"],
  ["sending", "sending"],
  ["inflight", "sent, not answered"],
  ["quota", "server quota"],
  ["discovered", "discovered (auto)"],
  ["breaker", "circuit breaker"],
  ["cooldown", "cooldown"],
  ["budget", "daily budget"],
  ["units", "cost units"],
];

/** The lines of the panel of a job that is not running, from its last run (`run.<name>`). */
const LAST_RUN_LINES: [field: string, label: string][] = [
  ["ended", "ended"],
  ["duration", "took"],
  ["pace", "pace set by"],
  ["configured", "configured"],
  ["quota", "server quota"],
  ["discovered", "discovered (auto)"],
  ["sent", "sent"],
  ["breaker", "circuit breaker"],
  ["cooldown", "cooldowns"],
  ["failures", "failed most"],
  ["units", "cost units"],
];

/**
 * The limiter panel of a job after its run: what set the pace and for how
 * long, the limits configured and advertised, the breaker and the cooldowns,
 * as its last run left them (`fields` from `jobFigures`, as `run.<name>`).
 */
export function lastRunPanel(job: string, fields: Record<string, string>): Html {
  return html`
    <section class="panel limiter" aria-label="rate limiter, last run">
      <h3>Rate limiter <span class="muted">(last run)</span></h3>
      <dl class="lines">${LAST_RUN_LINES.filter(([field]) => fields[`run.${field}`] !== undefined)
        .map(([field, label]) =>
          html`
            <dt>${label}</dt>
            <dd data-field="${job}|run.${field}">${fields[`run.${field}`] ?? "—"}</dd>
          `
        )}</dl>
    </section>
  `;
}

/**
 * The panel: what the limiter is set to and does now (`fields` from
 * `jobFigures`, as `limiter.<name>`), and the controls.
 */
export function limiterPanel(
  job: string,
  fields: Record<string, string>,
  controls: ControlsView | undefined,
): Html {
  return html`<section class="panel limiter" aria-label="rate limiter">
<h3>Rate limiter</h3>
<dl class="lines">${
    LINES.map(([field, label]) =>
      html`
        <dt>${label}</dt>
        <dd data-field="${job}|limiter.${field}">${fields[`limiter.${field}`] ?? "—"}</dd>
      `
    )
  }</dl>
${controls ? controlForms(job, controls) : ""}
</section>`;
}

// The forms carry no token: the browser sends the cookie set by the address printed at start.
// Without a script they post and come back to the page; the script posts them in place.
function controlForms(job: string, state: ControlsView): Html {
  if (!state.allowed) {
    return html`
      <p
        class="muted note">To pause or change the rate, open the address printed at start (it carries the control token).</p>
    `;
  }
  const action = state.paused ? "resume" : "pause";
  return html`
    <div class="controls" data-controls="${job}">
      <form method="post" action="/api/${action}" data-control="toggle">
    <button type="submit">${action}</button></form>
      <form method="post" action="/api/rate" data-control="rate" class="rate">
    <label>rate <input name="rate" value="${state.rate}" size="22" spellcheck="false"
    autocomplete="off" aria-label="new rate, like 20/s or 1000/min"></label>
    <button type="submit">set</button></form>
      <output class="control-error" role="status"></output>
    </div>
  `;
}
