// The "Tags" page: the tags agents put on chats when closing them, offered to some
// departments or to all.

import {
  actions, button, confirmDialog, dataTable, el, field, notify, pageFrame, readAll,
  replaceChildren, uniqueId,
} from './admin-ui.js';

export function renderTags(container, ctx) {
  const { api } = ctx;
  const frame = pageFrame(container, 'Tags');
  const { signal } = frame;

  let tags = [];
  let departments = [];
  let editing = null;
  let chosen = new Set();

  const editorHeadingId = uniqueId('admin-tag-editor');
  const editorHeading = el('h3', { id: editorHeadingId }, 'New tag');
  const name = field('Name', { required: true, maxlength: 100, autocomplete: 'off' });
  const description = field('Description', { autocomplete: 'off' });
  const hintId = uniqueId('admin-tag-departments-hint');
  const departmentList = el('ul', { class: 'admin-checklist' });
  const departmentBox = el('fieldset', { class: 'admin-fieldset', 'aria-describedby': hintId },
    el('legend', {}, 'Departments'),
    el('p', { id: hintId, class: 'admin-hint' }, 'None chosen: the tag is offered to every department.'),
    departmentList);
  const save = button('Save', undefined, { kind: 'submit', variant: 'primary' });
  const cancel = button('Cancel', () => startNew(true));
  cancel.hidden = true;
  const form = el('form', { class: 'admin-form', 'aria-labelledby': editorHeadingId, novalidate: true },
    name.wrapper, description.wrapper, departmentBox,
    el('div', { class: 'admin-form-buttons' }, save, cancel));
  const editor = el('section', { class: 'admin-subsection', 'aria-labelledby': editorHeadingId },
    editorHeading, form);
  const table = dataTable('Tags', ['Name', 'Description', 'Departments', 'Actions'], 'No tags yet.');
  container.append(el('div', { class: 'admin-split' }, el('div', { class: 'admin-lists' }, table.wrapper), editor));

  const departmentName = (id) => {
    const found = departments.find((item) => item._id === id);
    return found ? found.name : id;
  };

  const renderDepartments = () => {
    const known = departments.map((item) => ({ id: item._id, name: item.name }));
    // A department the tag names but the list lacks (archived, say) stays choosable.
    for (const id of chosen) {
      if (!known.some((item) => item.id === id)) known.push({ id, name: departmentName(id) });
    }
    if (!known.length) {
      replaceChildren(departmentList, el('li', {}, 'No departments yet.'));
      return;
    }
    replaceChildren(departmentList, known.map((item) => {
      const check = field(item.name, { kind: 'checkbox', value: chosen.has(item.id) });
      check.input.addEventListener('change', () => {
        if (check.input.checked) chosen.add(item.id);
        else chosen.delete(item.id);
      });
      return el('li', {}, check.wrapper);
    }));
  };

  const startNew = (focus) => {
    editing = null;
    chosen = new Set();
    editorHeading.textContent = 'New tag';
    cancel.hidden = true;
    name.input.value = '';
    description.input.value = '';
    renderDepartments();
    if (focus) name.input.focus();
  };

  const startEdit = (tag) => {
    editing = tag;
    chosen = new Set(tag.departments || []);
    editorHeading.textContent = `Edit tag ${tag.name}`;
    cancel.hidden = false;
    cancel.setAttribute('aria-label', `Cancel editing ${tag.name}`);
    name.input.value = tag.name;
    description.input.value = tag.description || '';
    renderDepartments();
    editor.scrollIntoView({ block: 'start' });
    name.input.focus();
  };

  const render = () => {
    table.setRows(tags.map((tag) => [
      tag.name,
      tag.description || '',
      (tag.departments || []).length ? tag.departments.map(departmentName).join(', ') : 'All',
      actions(
        button('Edit', () => startEdit(tag), { label: `Edit ${tag.name}` }),
        button('Delete', () => remove(tag), { label: `Delete ${tag.name}`, variant: 'danger' }),
      ),
    ]));
  };

  const load = () => frame.guard(async () => {
    tags = await readAll(api, 'livechat/tags', 'tags', { viewAll: 'true' }, signal);
    render();
    return true;
  });

  const loadDepartments = () => frame.guard(async () => {
    const [active, archived] = await Promise.all([
      readAll(api, 'livechat/department', 'departments', {}, signal),
      readAll(api, 'livechat/departments/archived', 'departments', {}, signal).catch(() => []),
    ]);
    departments = [...active, ...archived];
    renderDepartments();
    return true;
  });

  const remove = async (tag) => {
    const confirmed = await confirmDialog(
      `Delete tag ${tag.name}?`,
      'Closed chats keep the tags they were closed with. This cannot be undone.',
    );
    if (!confirmed) return;
    const done = await frame.guard(async () => {
      await api.post('livechat/tags.delete', { id: tag._id }, { signal });
      return true;
    });
    if (done) {
      notify(ctx, `Tag ${tag.name} deleted.`);
      if (editing && editing._id === tag._id) startNew(false);
      await load();
      frame.heading.focus();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const tagName = name.input.value.trim();
    if (!tagName) {
      frame.alert.show('Enter the name of the tag.');
      name.input.focus();
      return;
    }
    const body = {
      tagData: { name: tagName, description: description.input.value.trim() },
      tagDepartments: [...chosen],
    };
    if (editing) body._id = editing._id;
    save.disabled = true;
    const wasEditing = editing;
    const done = await frame.guard(async () => {
      await api.post('livechat/tags.save', body, { signal });
      return true;
    });
    save.disabled = false;
    if (done) {
      notify(ctx, `Tag ${tagName} ${wasEditing ? 'saved' : 'created'}.`);
      startNew(false);
      await load();
      name.input.focus();
    }
  });

  startNew(false);
  frame.loading(async () => {
    await loadDepartments();
    await load();
  });
  return frame.cleanup;
}
