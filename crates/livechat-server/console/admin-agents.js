// The "Agents" page: the livechat's agents (and, for admins and managers, its managers):
// list, add by username, remove.

import {
  actions, button, confirmDialog, dataTable, el, field, hasRole, notify, pageFrame, readAll,
} from './admin-ui.js';

const AVAILABILITY = { available: 'Available', 'not-available': 'Not available' };
/** `an agent`, `a manager`. */
const article = (noun) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
const PRESENCE = { online: 'Online', away: 'Away', busy: 'Busy', offline: 'Offline' };

/**
 * One list of users of `type` (`agent` or `manager`): a form to add one by username and a
 * table with a remove button per row.
 */
function userList(ctx, frame, { type, noun, caption, fieldLabel, fieldHint, withDepartments, departmentNames }) {
  const { api } = ctx;
  const username = field(fieldLabel, {
    name: 'username',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    maxlength: 64,
    hint: fieldHint,
  });
  const add = button(`Add ${noun}`, undefined, { kind: 'submit' });
  const form = el('form', { class: 'admin-form admin-inline-form' },
    username.wrapper, add);
  const columns = withDepartments
    ? ['Username', 'Name', 'Status', 'Departments', 'Actions']
    : ['Username', 'Name', 'Status', 'Actions'];
  const table = dataTable(caption, columns, `No ${noun}s yet.`);

  let users = [];
  const render = () => {
    table.setRows(users.map((user) => {
      const presence = PRESENCE[user.status] || user.status || '';
      const availability = AVAILABILITY[user.statusLivechat] || user.statusLivechat || '';
      const status = [availability, presence].filter(Boolean).join(', ');
      const cells = [user.username, user.name || '', status];
      if (withDepartments) {
        const names = (user.departments || []).map((id) => departmentNames.get(id) || id);
        cells.push(names.length ? names.join(', ') : 'None');
      }
      cells.push(actions(button('Remove', () => remove(user), {
        label: `Remove ${user.username}`,
        variant: 'danger',
      })));
      return cells;
    }));
  };

  const load = () => frame.guard(async () => {
    users = await readAll(api, `livechat/users/${type}`, 'users', {}, frame.signal);
    render();
    return true;
  });

  const remove = async (user) => {
    const confirmed = await confirmDialog(
      `Remove ${noun} ${user.username}?`,
      `${user.username} loses the ${noun} role.`,
    );
    if (!confirmed) return;
    const done = await frame.guard(async () => {
      await api.del(`livechat/users/${type}/${encodeURIComponent(user._id)}`, undefined, { signal: frame.signal });
      return true;
    });
    if (done) {
      notify(ctx, `${user.username} is no longer ${article(noun)}.`);
      await load();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = username.input.value.trim();
    if (!name) {
      frame.alert.show(`Enter the username of the new ${noun}.`);
      username.input.focus();
      return;
    }
    add.disabled = true;
    const done = await frame.guard(async () => {
      await api.post(`livechat/users/${type}`, { username: name }, { signal: frame.signal });
      return true;
    });
    add.disabled = false;
    if (done) {
      username.input.value = '';
      notify(ctx, `${name} is now ${article(noun)}.`);
      await load();
    }
    username.input.focus();
  });

  return { elements: [form, table.wrapper], load };
}

export function renderAgents(container, ctx) {
  const frame = pageFrame(container, 'Agents');
  const departmentNames = new Map();
  const agents = userList(ctx, frame, {
    type: 'agent',
    noun: 'agent',
    caption: 'Agents',
    fieldLabel: 'Username',
    withDepartments: true,
    departmentNames,
  });
  container.append(...agents.elements);

  let managers = null;
  if (hasRole(ctx.me, 'admin', 'livechat-manager')) {
    managers = userList(ctx, frame, {
      type: 'manager',
      noun: 'manager',
      caption: 'Managers',
      // Not "Username": each field's name is not part of another's on the same page.
      fieldLabel: 'New manager',
      fieldHint: 'The username of the user to make a manager.',
      withDepartments: false,
    });
    const headingId = 'admin-managers-heading';
    container.append(el('section', { class: 'admin-subsection', 'aria-labelledby': headingId },
      el('h3', { id: headingId }, 'Managers'),
      ...managers.elements));
  }

  frame.loading(async () => {
    // Department names for the agents' rows (ids when the list cannot be read).
    await frame.guard(async () => {
      const [active, archived] = await Promise.all([
        readAll(ctx.api, 'livechat/department', 'departments', {}, frame.signal),
        readAll(ctx.api, 'livechat/departments/archived', 'departments', {}, frame.signal).catch(() => []),
      ]);
      for (const department of [...active, ...archived]) departmentNames.set(department._id, department.name);
    });
    await agents.load();
    if (managers) await managers.load();
  });
  return frame.cleanup;
}
