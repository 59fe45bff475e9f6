// The chat's dialogs: forward to an agent or a department, and close with a comment and tags.
// Native <dialog> elements, shown modally: Escape closes them, focus stays inside.

import { h, uniqueId, errorText } from './dom.js';

/**
 * Shows a modal dialog titled `title` with `fields` (nodes) and a Confirm button; `onConfirm()`
 * runs on submit and closes the dialog when it resolves, or shows its error in the dialog.
 */
function openDialog({ title, description, fields, onConfirm, confirmLabel = 'Confirm' }) {
  const headingId = uniqueId('dialog-title');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const confirm = h('button', { type: 'submit', class: 'button primary' }, confirmLabel);
  const cancel = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog-form' },
    h('h2', { id: headingId }, title),
    description ? h('p', { class: 'dialog-description' }, description) : null,
    fields,
    error,
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': headingId }, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    confirm.disabled = true;
    try {
      await onConfirm();
      dialog.close();
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      confirm.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, error };
}

function labelled(labelText, control, hint) {
  const id = uniqueId('field');
  control.id = id;
  const hintNode = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintNode);
}

/** The Forward dialog of room `room`; `onDone()` after a successful forward. */
export async function openForwardDialog({ api, me, room, onDone }) {
  const agentSelect = h('select', { name: 'agent' }, h('option', { value: '' }, 'No agent'));
  const departmentSelect = h('select', { name: 'department' }, h('option', { value: '' }, 'No department'));
  const comment = h('textarea', { name: 'comment', rows: 3 });
  const fields = [
    labelled('Agent', agentSelect),
    labelled('Department', departmentSelect),
    labelled('Comment', comment, 'Optional, shown in the chat history.'),
  ];
  const { error } = openDialog({
    title: 'Forward chat',
    description: 'Choose an agent, or a department whose agents will take the chat.',
    fields,
    onConfirm: async () => {
      const body = { roomId: room._id };
      if (agentSelect.value) body.userId = agentSelect.value;
      if (departmentSelect.value) body.departmentId = departmentSelect.value;
      if (!body.userId && !body.departmentId) throw new Error('Choose an agent or a department.');
      if (comment.value.trim()) body.comment = comment.value.trim();
      await api.post('livechat/room.forward', body);
      onDone(body);
    },
  });
  const servedBy = room.servedBy && room.servedBy._id;
  const [agents, departments] = await Promise.allSettled([
    api.get('livechat/users/agent', { count: 100 }),
    api.get('livechat/department', { enabled: true, count: 100 }),
  ]);
  if (agents.status === 'fulfilled') {
    const users = (agents.value.users || [])
      .filter((user) => user._id !== me._id && user._id !== servedBy)
      .sort((a, b) => (a.name || a.username).localeCompare(b.name || b.username));
    for (const user of users) {
      agentSelect.append(h('option', { value: user._id }, user.name || user.username));
    }
  }
  if (departments.status === 'fulfilled') {
    const list = (departments.value.departments || []).filter((department) => department.enabled !== false);
    for (const department of list) {
      departmentSelect.append(h('option', { value: department._id }, department.name));
    }
  }
  if (agents.status === 'rejected' && departments.status === 'rejected') {
    error.textContent = `Could not load agents and departments: ${errorText(agents.reason)}`;
  }
}

/** The Close chat dialog of room `room`; `onDone()` after the chat is closed. */
export async function openCloseDialog({ api, room, onDone }) {
  const comment = h('textarea', { name: 'comment', rows: 3 });
  const tags = h('select', { name: 'tags', multiple: true, size: 4 });
  const tagsField = labelled('Tags', tags, 'Optional. Select one or more.');
  const fields = [labelled('Comment', comment), tagsField];
  const { error } = openDialog({
    title: 'Close chat',
    description: 'The visitor sees that the chat has ended.',
    fields,
    onConfirm: async () => {
      const body = { rid: room._id };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const chosen = [...tags.selectedOptions].map((option) => option.value);
      if (chosen.length) body.tags = chosen;
      await api.post('livechat/room.closeByUser', body);
      onDone(body);
    },
  });
  try {
    const params = { count: 100 };
    if (room.departmentId) params.department = room.departmentId;
    const answer = await api.get('livechat/tags', params);
    const list = (answer.tags || []).sort((a, b) => a.name.localeCompare(b.name));
    for (const tag of list) tags.append(h('option', { value: tag.name }, tag.name));
    if (!list.length) {
      tags.disabled = true;
      tagsField.querySelector('.hint').textContent = 'No tags are defined.';
    }
  } catch (failure) {
    error.textContent = `Could not load the tags: ${errorText(failure)}`;
  }
}
