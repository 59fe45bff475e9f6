// The "Departments" page: create and edit departments and their agents, archive, take out
// of the archive, delete.

import {
  actions, button, confirmDialog, dataTable, el, field, notify, pageFrame, readAll,
  replaceChildren, splitList, uniqueId,
} from './admin-ui.js';

export function renderDepartments(container, ctx) {
  const { api } = ctx;
  const frame = pageFrame(container, 'Departments');
  const { signal } = frame;

  let departments = [];
  let archived = [];
  let agents = [];
  /** The department being edited (null: a new one) and its members' agent ids. */
  let editing = null;
  let members = new Set();

  // The editor.
  const editorHeadingId = uniqueId('admin-department-editor');
  const editorHeading = el('h3', { id: editorHeadingId }, 'New department');
  const name = field('Name', { required: true, maxlength: 100, autocomplete: 'off' });
  const description = field('Description', { kind: 'textarea' });
  const email = field('Email', {
    kind: 'email',
    autocomplete: 'off',
    hint: 'Where offline messages for this department go; empty: the general address.',
  });
  const enabled = field('Enabled', { kind: 'checkbox', value: true });
  const showOnRegistration = field('Show on registration', { kind: 'checkbox', value: true });
  const showOnOfflineForm = field('Show on offline form', { kind: 'checkbox', value: true });
  const requestTag = field('Request tag before closing chat', { kind: 'checkbox', value: false });
  const closingTags = field('Closing tags', {
    autocomplete: 'off',
    hint: 'Tags offered when closing its chats, separated by commas.',
  });
  const memberList = el('ul', { class: 'admin-checklist' });
  const memberBox = el('fieldset', { class: 'admin-fieldset' }, el('legend', {}, 'Agents'), memberList);
  const save = button('Save', undefined, { kind: 'submit', variant: 'primary' });
  const cancel = button('Cancel', () => startNew(true));
  cancel.hidden = true;
  const form = el('form', { class: 'admin-form', 'aria-labelledby': editorHeadingId, novalidate: true },
    name.wrapper, description.wrapper, email.wrapper,
    el('div', { class: 'admin-checks' }, enabled.wrapper, showOnRegistration.wrapper,
      showOnOfflineForm.wrapper, requestTag.wrapper),
    closingTags.wrapper, memberBox,
    el('div', { class: 'admin-form-buttons' }, save, cancel));
  const editor = el('section', { class: 'admin-subsection', 'aria-labelledby': editorHeadingId },
    editorHeading, form);

  const table = dataTable('Departments', ['Name', 'Description', 'Enabled', 'Agents', 'Actions'],
    'No departments yet.');
  const archivedTable = dataTable('Archived departments', ['Name', 'Description', 'Agents', 'Actions'],
    'No archived departments.');
  container.append(el('div', { class: 'admin-split' },
    el('div', { class: 'admin-lists' }, table.wrapper, archivedTable.wrapper), editor));

  const renderMembers = () => {
    if (!agents.length) {
      replaceChildren(memberList, el('li', {}, 'No agents yet: add them on the Agents page.'));
      return;
    }
    replaceChildren(memberList, agents.map((agent) => {
      const check = field(agent.username, { kind: 'checkbox', value: members.has(agent._id) });
      check.input.dataset.agentId = agent._id;
      check.input.addEventListener('change', () => {
        if (check.input.checked) members.add(agent._id);
        else members.delete(agent._id);
      });
      return el('li', {}, check.wrapper);
    }));
  };

  const fill = (department) => {
    name.input.value = department ? department.name : '';
    description.input.value = (department && department.description) || '';
    email.input.value = (department && department.email) || '';
    enabled.input.checked = department ? Boolean(department.enabled) : true;
    enabled.input.disabled = Boolean(department && department.archived);
    showOnRegistration.input.checked = department ? Boolean(department.showOnRegistration) : true;
    showOnOfflineForm.input.checked = department ? Boolean(department.showOnOfflineForm) : true;
    requestTag.input.checked = Boolean(department && department.requestTagBeforeClosingChat);
    closingTags.input.value = ((department && department.chatClosingTags) || []).join(', ');
  };

  const startNew = (focus) => {
    editing = null;
    members = new Set();
    editorHeading.textContent = 'New department';
    cancel.hidden = true;
    fill(null);
    renderMembers();
    if (focus) name.input.focus();
  };

  const startEdit = async (department) => {
    const answer = await frame.guard(() => api.get(
      `livechat/department/${encodeURIComponent(department._id)}`,
      { includeAgents: true },
      { signal },
    ));
    if (!answer) return;
    const current = answer.department || department;
    editing = current;
    members = new Set((answer.agents || []).map((agent) => agent.agentId));
    editorHeading.textContent = `Edit department ${current.name}`;
    cancel.hidden = false;
    cancel.setAttribute('aria-label', `Cancel editing ${current.name}`);
    fill(current);
    renderMembers();
    editor.scrollIntoView({ block: 'start' });
    name.input.focus();
  };

  const renderTables = () => {
    table.setRows(departments.map((department) => [
      department.name,
      department.description || '',
      department.enabled ? 'Yes' : 'No',
      String(department.numAgents ?? 0),
      actions(
        button('Edit', () => startEdit(department), { label: `Edit ${department.name}` }),
        button('Archive', () => setArchived(department, true), { label: `Archive ${department.name}` }),
        button('Delete', () => remove(department), { label: `Delete ${department.name}`, variant: 'danger' }),
      ),
    ]));
    archivedTable.setRows(archived.map((department) => [
      department.name,
      department.description || '',
      String(department.numAgents ?? 0),
      actions(
        button('Edit', () => startEdit(department), { label: `Edit ${department.name}` }),
        button('Unarchive', () => setArchived(department, false), { label: `Unarchive ${department.name}` }),
        button('Delete', () => remove(department), { label: `Delete ${department.name}`, variant: 'danger' }),
      ),
    ]));
  };

  const load = () => frame.guard(async () => {
    [departments, archived] = await Promise.all([
      readAll(api, 'livechat/department', 'departments', {}, signal),
      readAll(api, 'livechat/departments/archived', 'departments', {}, signal),
    ]);
    renderTables();
    return true;
  });

  const loadAgents = () => frame.guard(async () => {
    agents = await readAll(api, 'livechat/users/agent', 'users', {}, signal);
    renderMembers();
    return true;
  });

  const setArchived = async (department, archive) => {
    const action = archive ? 'archive' : 'unarchive';
    const done = await frame.guard(async () => {
      await api.post(`livechat/department/${encodeURIComponent(department._id)}/${action}`, {}, { signal });
      return true;
    });
    if (done) {
      notify(ctx, `${department.name} ${archive ? 'archived' : 'taken out of the archive'}.`);
      await load();
      if (editing && editing._id === department._id) await startEdit(department);
      focusHeading();
    }
  };

  const remove = async (department) => {
    const confirmed = await confirmDialog(
      `Delete department ${department.name}?`,
      'Its open chats go back to the general queue. This cannot be undone.',
    );
    if (!confirmed) return;
    const done = await frame.guard(async () => {
      await api.del(`livechat/department/${encodeURIComponent(department._id)}`, undefined, { signal });
      return true;
    });
    if (done) {
      notify(ctx, `Department ${department.name} deleted.`);
      if (editing && editing._id === department._id) startNew(false);
      await load();
      focusHeading();
    }
  };

  // After a row's button disappears with its row, focus goes to the page heading.
  const focusHeading = () => {
    if (!container.contains(document.activeElement) || document.activeElement === document.body) {
      frame.heading.focus();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const departmentName = name.input.value.trim();
    if (!departmentName) {
      frame.alert.show('Enter the name of the department.');
      name.input.focus();
      return;
    }
    const emailValue = email.input.value.trim();
    if (emailValue && !email.input.checkValidity()) {
      frame.alert.show('Enter a valid e-mail address, or leave Email empty.');
      email.input.focus();
      return;
    }
    const department = {
      name: departmentName,
      enabled: enabled.input.checked,
      showOnRegistration: showOnRegistration.input.checked,
      showOnOfflineForm: showOnOfflineForm.input.checked,
      email: emailValue,
      description: description.input.value.trim(),
      requestTagBeforeClosingChat: requestTag.input.checked,
      chatClosingTags: splitList(closingTags.input.value),
    };
    const agentIn = (id) => {
      const agent = agents.find((candidate) => candidate._id === id);
      return agent ? { agentId: id, username: agent.username } : { agentId: id };
    };
    save.disabled = true;
    const wasEditing = editing;
    const done = await frame.guard(async () => {
      if (!wasEditing) {
        await api.post('livechat/department', { department, agents: [...members].map(agentIn) }, { signal });
        return true;
      }
      const id = encodeURIComponent(wasEditing._id);
      const answer = await api.put(`livechat/department/${id}`, { department }, { signal });
      const before = new Set((answer.agents || []).map((agent) => agent.agentId));
      const upsert = [...members].filter((agentId) => !before.has(agentId)).map(agentIn);
      const remove = [...before].filter((agentId) => !members.has(agentId)).map((agentId) => ({ agentId }));
      if (upsert.length || remove.length) {
        await api.post(`livechat/department/${id}/agents`, { upsert, remove }, { signal });
      }
      return true;
    });
    save.disabled = false;
    if (done) {
      notify(ctx, wasEditing ? `Department ${departmentName} saved.` : `Department ${departmentName} created.`);
      startNew(false);
      await load();
      name.input.focus();
    }
  });

  startNew(false);
  frame.loading(async () => {
    await Promise.all([load(), loadAgents()]);
  });
  return frame.cleanup;
}
