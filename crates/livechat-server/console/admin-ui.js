// Building blocks of the administration pages: elements made with createElement and
// textContent only (never HTML from data), labelled fields, tables with captions, an alert
// for the API's errors and a confirmation dialog.

import { h as el, replaceChildren, uniqueId } from './dom.js';

export { h as el, replaceChildren, uniqueId } from './dom.js';

/**
 * A labelled field: `{ wrapper, input }`. `kind` is `text`, `email`, `number`, `textarea`,
 * `checkbox` or `select` (then `options: [{value, label}]`).
 */
export function field(label, { kind = 'text', name, value, options = [], required, hint, ...rest } = {}) {
  const id = uniqueId('admin-field');
  let input;
  if (kind === 'textarea') {
    input = el('textarea', { id, name, rows: 3, required, ...rest });
    input.value = value ?? '';
  } else if (kind === 'select') {
    input = el('select', { id, name, required, ...rest },
      options.map((option) => el('option', { value: option.value }, option.label)));
    if (value !== undefined) input.value = value;
  } else if (kind === 'checkbox') {
    input = el('input', { id, name, type: 'checkbox', ...rest });
    input.checked = Boolean(value);
  } else {
    input = el('input', { id, name, type: kind, required, ...rest });
    input.value = value ?? '';
  }
  const labelElement = el('label', { for: id }, label);
  let hintElement = null;
  if (hint) {
    hintElement = el('span', { id: `${id}-hint`, class: 'admin-hint' }, hint);
    input.setAttribute('aria-describedby', hintElement.id);
  }
  const wrapper = kind === 'checkbox'
    ? el('div', { class: 'admin-field admin-field-check' }, input, labelElement, hintElement)
    : el('div', { class: 'admin-field' }, labelElement, input, hintElement);
  return { wrapper, input, label: labelElement };
}

/** A button; `label` is its accessible name when it differs from the visible text. */
export function button(text, onClick, { label, kind = 'button', variant, ...rest } = {}) {
  const classes = ['admin-button'];
  if (variant) classes.push(`admin-button-${variant}`);
  return el('button', {
    type: kind,
    class: classes.join(' '),
    'aria-label': label && label !== text ? label : undefined,
    onclick: onClick,
    ...rest,
  }, text);
}

/**
 * A table named by its caption, inside a box that scrolls sideways on a narrow screen.
 * `columns` are header texts; returns `{ wrapper, table, body }` and `setRows(rows)` where
 * each row is an array of cells (text or nodes).
 */
export function dataTable(caption, columns, emptyText) {
  const body = el('tbody');
  const table = el('table', { class: 'admin-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, columns.map((column) => el('th', { scope: 'col' }, column)))),
    body);
  const wrapper = el('div', { class: 'admin-table-box' }, table);
  const setRows = (rows) => {
    if (!rows.length) {
      replaceChildren(body, el('tr', {}, el('td', { colspan: columns.length, class: 'admin-empty' }, emptyText)));
      return;
    }
    replaceChildren(body, rows.map((cells) => el('tr', {}, cells.map((cell, index) => (
      index === 0
        ? el('th', { scope: 'row' }, cell)
        : el('td', cell instanceof Node && cell.classList && cell.classList.contains('admin-actions')
          ? { class: 'admin-actions-cell' }
          : { 'data-label': columns[index] }, cell)
    )))));
  };
  setRows([]);
  return { wrapper, table, body, setRows };
}

/** A group of buttons in a table cell. */
export function actions(...buttons) {
  return el('div', { class: 'admin-actions' }, buttons);
}

/**
 * An alert shown when the API refuses something: `{ element, show(error), clear() }`. The
 * element keeps role=alert while empty so that screen readers announce the next message.
 */
export function alertBox() {
  const element = el('p', { role: 'alert', class: 'admin-alert' });
  element.hidden = true;
  return {
    element,
    show(error) {
      element.textContent = describeError(error);
      element.hidden = false;
    },
    clear() {
      element.textContent = '';
      element.hidden = true;
    },
  };
}

/** Readable text for an ApiError or any other failure. */
export function describeError(error) {
  if (!error) return 'Something went wrong.';
  if (typeof error === 'string') return error;
  if (error.name === 'AbortError') return '';
  const text = error.error || error.message || String(error);
  if (READABLE_ERRORS[text]) return `${READABLE_ERRORS[text]} (${text})`;
  return text;
}

const READABLE_ERRORS = {
  'error-invalid-user': 'No such user',
  'error-user-is-not-agent': 'That user is not an agent',
  'error-department-not-found': 'The department does not exist',
  'error-department-removal-disabled': 'Removing departments is turned off in the settings',
  'error-invalid-department': 'The department does not exist',
  'error-invalid-shortcut': 'The shortcut is taken or not valid',
  'error-canned-response-not-found': 'The canned response does not exist',
  'error-not-allowed': 'Not allowed',
  'error-tag-not-found': 'The tag does not exist',
  'error-invalid-setting': 'Unknown setting',
  'error-field-unavailable': 'That name is already in use',
  unauthorized: 'You are not allowed to do this',
};

/**
 * Asks for confirmation in a modal <dialog> with "Confirm" and "Cancel" (Escape cancels).
 * Resolves to true when confirmed. Focus goes back to where it was.
 */
export function confirmDialog(title, message, { confirmText = 'Confirm' } = {}) {
  return new Promise((resolve) => {
    const headingId = uniqueId('admin-dialog-title');
    const messageId = uniqueId('admin-dialog-message');
    const previous = document.activeElement;
    const dialog = el('dialog', {
      class: 'admin-dialog',
      'aria-labelledby': headingId,
      'aria-describedby': messageId,
    });
    let settled = false;
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (previous && previous.isConnected && typeof previous.focus === 'function') previous.focus();
      resolve(answer);
    };
    const cancel = button('Cancel', () => finish(false));
    const confirm = button(confirmText, () => finish(true), { variant: 'danger' });
    dialog.append(
      el('h2', { id: headingId }, title),
      el('p', { id: messageId }, message),
      el('div', { class: 'admin-dialog-buttons' }, cancel, confirm),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.addEventListener('close', () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** Reads every page of a paged list (`count`/`offset`/`total`) under `key`. */
export async function readAll(api, path, key, params = {}, signal) {
  const items = [];
  for (let offset = 0; offset < 10000;) {
    const answer = await api.get(path, { ...params, count: 100, offset }, { signal });
    const page = answer[key] || [];
    items.push(...page);
    offset += page.length;
    if (!page.length || typeof answer.total !== 'number' || offset >= answer.total) break;
  }
  return items;
}

/** Splits "a, b ,c" into ["a", "b", "c"] (no empty items, no duplicates). */
export function splitList(text) {
  return [...new Set(String(text).split(',').map((item) => item.trim()).filter(Boolean))];
}

/** Whether the signed-in user holds one of `roles`. */
export function hasRole(me, ...roles) {
  const held = (me && me.roles) || [];
  return roles.some((role) => held.includes(role));
}

/** Calls ctx.notify when the shell provides it. */
export function notify(ctx, message, kind = 'info') {
  if (ctx && typeof ctx.notify === 'function') ctx.notify(message, kind);
}

/**
 * The frame every page shares: the heading, the alert, and an AbortController whose signal
 * cancels the page's requests when the page goes away.
 */
export function pageFrame(container, title) {
  const controller = new AbortController();
  const alert = alertBox();
  const heading = el('h2', { class: 'admin-title', tabindex: '-1' }, title);
  container.classList.add('admin-page');
  replaceChildren(container, heading, alert.element);
  const cleanup = () => {
    controller.abort();
    document.querySelectorAll('dialog.admin-dialog').forEach((dialog) => {
      if (dialog.open) dialog.close();
    });
  };
  /** Runs `work`, showing its failure in the alert (not an abort). Resolves to its result or undefined. */
  const guard = async (work) => {
    try {
      alert.clear();
      return await work();
    } catch (error) {
      if (controller.signal.aborted || (error && error.name === 'AbortError')) return undefined;
      alert.show(error);
      return undefined;
    }
  };
  /** Marks the page busy (aria-busy) while its first load runs. */
  const loading = async (work) => {
    container.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      container.removeAttribute('aria-busy');
    }
  };
  return { heading, alert, signal: controller.signal, cleanup, guard, loading };
}
