// The "Canned responses" page: texts agents insert by typing "/" and a shortcut; global,
// shared with a department, or private.

import {
  actions, button, confirmDialog, dataTable, el, field, notify, pageFrame, readAll, splitList,
  uniqueId,
} from './admin-ui.js';

const SCOPES = [
  { value: 'global', label: 'Global' },
  { value: 'department', label: 'Department' },
  { value: 'user', label: 'Private' },
];

export function renderCanned(container, ctx) {
  const { api } = ctx;
  const frame = pageFrame(container, 'Canned responses');
  const { signal } = frame;

  let responses = [];
  let departments = [];
  let editing = null;

  const editorHeadingId = uniqueId('admin-canned-editor');
  const editorHeading = el('h3', { id: editorHeadingId }, 'New canned response');
  const shortcut = field('Shortcut', {
    required: true,
    maxlength: 64,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    hint: 'Typed after "/" in a chat; no spaces.',
  });
  const text = field('Text', {
    kind: 'textarea',
    required: true,
    hint: 'May use {{contact.name}}, {{contact.email}}, {{contact.phone}}, {{agent.name}}, {{agent.email}}.',
  });
  const scope = field('Scope', { kind: 'select', options: SCOPES, value: 'global' });
  const department = field('Department', { kind: 'select', options: [] });
  const tags = field('Tags', { autocomplete: 'off', hint: 'Words to find it by, separated by commas.' });
  const save = button('Save', undefined, { kind: 'submit', variant: 'primary' });
  const cancel = button('Cancel', () => startNew(true));
  cancel.hidden = true;
  const form = el('form', { class: 'admin-form', 'aria-labelledby': editorHeadingId, novalidate: true },
    shortcut.wrapper, text.wrapper, scope.wrapper, department.wrapper, tags.wrapper,
    el('div', { class: 'admin-form-buttons' }, save, cancel));
  const editor = el('section', { class: 'admin-subsection', 'aria-labelledby': editorHeadingId },
    editorHeading, form);
  const table = dataTable('Canned responses', ['Shortcut', 'Text', 'Scope', 'Tags', 'Actions'],
    'No canned responses yet.');
  container.append(el('div', { class: 'admin-split' }, el('div', { class: 'admin-lists' }, table.wrapper), editor));

  const showDepartment = () => {
    department.wrapper.hidden = scope.input.value !== 'department';
  };
  scope.input.addEventListener('change', showDepartment);

  const renderDepartmentOptions = (selected) => {
    const options = departments.map((item) => el('option', { value: item._id }, item.name));
    if (selected && !departments.some((item) => item._id === selected)) {
      options.push(el('option', { value: selected }, `Unknown department (${selected})`));
    }
    if (!options.length) options.push(el('option', { value: '' }, 'No departments'));
    department.input.replaceChildren(...options);
    if (selected) department.input.value = selected;
  };

  const departmentName = (id) => {
    const found = departments.find((item) => item._id === id);
    return found ? found.name : id;
  };

  const scopeText = (response) => {
    if (response.scope === 'department') return `Department: ${departmentName(response.departmentId || '')}`;
    if (response.scope === 'user') {
      const owner = response.createdBy && response.createdBy.username;
      return owner ? `Private (${owner})` : 'Private';
    }
    return 'Global';
  };

  const startNew = (focus) => {
    editing = null;
    editorHeading.textContent = 'New canned response';
    cancel.hidden = true;
    shortcut.input.value = '';
    text.input.value = '';
    scope.input.value = 'global';
    renderDepartmentOptions(null);
    tags.input.value = '';
    showDepartment();
    if (focus) shortcut.input.focus();
  };

  const startEdit = (response) => {
    editing = response;
    editorHeading.textContent = `Edit canned response ${response.shortcut}`;
    cancel.hidden = false;
    cancel.setAttribute('aria-label', `Cancel editing ${response.shortcut}`);
    shortcut.input.value = response.shortcut;
    text.input.value = response.text;
    scope.input.value = response.scope;
    renderDepartmentOptions(response.departmentId || null);
    tags.input.value = (response.tags || []).join(', ');
    showDepartment();
    editor.scrollIntoView({ block: 'start' });
    shortcut.input.focus();
  };

  const render = () => {
    table.setRows(responses.map((response) => [
      response.shortcut,
      response.text,
      scopeText(response),
      (response.tags || []).join(', '),
      actions(
        button('Edit', () => startEdit(response), { label: `Edit ${response.shortcut}` }),
        button('Delete', () => remove(response), { label: `Delete ${response.shortcut}`, variant: 'danger' }),
      ),
    ]));
  };

  const load = () => frame.guard(async () => {
    try {
      responses = await readAll(api, 'canned-responses', 'cannedResponses', {}, signal);
    } catch (error) {
      if (error && error.status === 403) {
        throw new Error('Canned responses are turned off (setting Canned_Responses_Enable), or you may not see them.');
      }
      throw error;
    }
    render();
    return true;
  });

  const loadDepartments = () => frame.guard(async () => {
    departments = await readAll(api, 'livechat/department', 'departments', {}, signal);
    if (!editing) renderDepartmentOptions(null);
    render();
    return true;
  });

  const remove = async (response) => {
    const confirmed = await confirmDialog(
      `Delete canned response ${response.shortcut}?`,
      'Agents can no longer insert it. This cannot be undone.',
    );
    if (!confirmed) return;
    const done = await frame.guard(async () => {
      await api.call('DELETE', 'canned-responses', { body: { _id: response._id }, signal });
      return true;
    });
    if (done) {
      notify(ctx, `Canned response ${response.shortcut} deleted.`);
      if (editing && editing._id === response._id) startNew(false);
      await load();
      frame.heading.focus();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const shortcutValue = shortcut.input.value.trim();
    if (!shortcutValue || /\s/.test(shortcutValue)) {
      frame.alert.show('Enter a shortcut without spaces.');
      shortcut.input.focus();
      return;
    }
    if (!text.input.value.trim()) {
      frame.alert.show('Enter the text of the canned response.');
      text.input.focus();
      return;
    }
    const body = {
      shortcut: shortcutValue,
      text: text.input.value,
      scope: scope.input.value,
      tags: splitList(tags.input.value),
    };
    if (editing) body._id = editing._id;
    if (body.scope === 'department') {
      if (!department.input.value) {
        frame.alert.show('Choose the department to share it with.');
        department.input.focus();
        return;
      }
      body.departmentId = department.input.value;
    }
    save.disabled = true;
    const wasEditing = editing;
    const done = await frame.guard(async () => {
      await api.post('canned-responses', body, { signal });
      return true;
    });
    save.disabled = false;
    if (done) {
      notify(ctx, `Canned response ${shortcutValue} ${wasEditing ? 'saved' : 'created'}.`);
      startNew(false);
      await load();
      shortcut.input.focus();
    }
  });

  startNew(false);
  frame.loading(async () => {
    await loadDepartments();
    await load();
  });
  return frame.cleanup;
}
