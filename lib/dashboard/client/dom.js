// Finding a job's elements: by comparing data attributes, never by building a
// CSS selector from a job's name (which may hold quotes or brackets).

/** Elements matching `selector` whose `data-<attribute>` is `value`. */
export function byData(selector, attribute, value) {
  return [...document.querySelectorAll(selector)].filter((el) => el.dataset[attribute] === value);
}

/** `job|field` to [job, field]: field names hold no "|", job names may. */
export function splitKey(text) {
  const at = text.lastIndexOf("|");
  return [text.slice(0, at), text.slice(at + 1)];
}
