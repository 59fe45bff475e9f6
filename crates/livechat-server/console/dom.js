// Small DOM helpers: elements are built from data with textContent, never from HTML strings.

/**
 * `h('button', {type: 'button', class: 'x', onclick: fn, 'aria-label': 'Send'}, 'text', node)`.
 * Attributes named `on<event>` become listeners, `class` the class name, `dataset` an object of
 * data attributes; `false`, `null` and `undefined` attribute values are left out.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'value' || name === 'checked' || name === 'selected' || name === 'disabled') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `element`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

let counter = 0;
/** A document-unique id with a readable prefix. */
export function uniqueId(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * The nodes showing `text`: plain text, with http(s) URLs as links that open in a new tab
 * without handing the page to the target.
 */
export function linkify(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text || '').matchAll(URL_PATTERN)) {
    let url = match[0];
    // Trailing punctuation belongs to the sentence, not to the link.
    const trailing = /[.,;:!?)\]}]+$/.exec(url);
    if (trailing) url = url.slice(0, -trailing[0].length);
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    let safe = null;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') safe = parsed.href;
    } catch {
      safe = null;
    }
    if (safe) {
      nodes.push(h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer' }, url));
    } else {
      nodes.push(document.createTextNode(url));
    }
    last = match.index + url.length;
  }
  if (last < String(text || '').length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** A <time> element for an ISO timestamp: the time today, else the date and time. */
export function timeElement(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('time', {}, '');
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return h(
    'time',
    { datetime: date.toISOString(), title: date.toLocaleString() },
    (sameDay ? timeFormat : dateTimeFormat).format(date),
  );
}

/** Converts EJSON dates (`{$date: ms}`) anywhere in `value` into ISO strings. */
export function fromEjson(value) {
  if (Array.isArray(value)) return value.map(fromEjson);
  if (value && typeof value === 'object') {
    if (Object.keys(value).length === 1 && typeof value.$date === 'number') {
      return new Date(value.$date).toISOString();
    }
    const out = {};
    for (const [key, item] of Object.entries(value)) out[key] = fromEjson(item);
    return out;
  }
  return value;
}

/** A short text for an error from the API or the network. */
export function errorText(error) {
  if (!error) return 'Something went wrong.';
  if (error.name === 'TypeError' || error.name === 'AbortError') {
    return 'The server could not be reached. Check the connection and try again.';
  }
  return error.error || error.message || String(error);
}
