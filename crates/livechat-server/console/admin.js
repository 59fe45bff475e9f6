// The administration pages of the console. The shell lists the pages the signed-in user
// has a role for (admins see all of them), routes `#/admin/<id>` to `render`, and calls
// the function `render` returns when the page goes away.
//
// `render(container, ctx)`: `container` is an empty <section>; `ctx = {api, me, notify}`.

import { renderAgents } from './admin-agents.js';
import { renderCanned } from './admin-canned.js';
import { renderDepartments } from './admin-departments.js';
import { renderSettings } from './admin-settings.js';
import { renderTags } from './admin-tags.js';

const MANAGERS = ['admin', 'livechat-manager'];

export const ADMIN_PAGES = [
  { id: 'agents', title: 'Agents', roles: MANAGERS, render: renderAgents },
  { id: 'departments', title: 'Departments', roles: MANAGERS, render: renderDepartments },
  { id: 'canned', title: 'Canned responses', roles: MANAGERS, render: renderCanned },
  { id: 'tags', title: 'Tags', roles: MANAGERS, render: renderTags },
  { id: 'settings', title: 'Settings', roles: ['admin'], render: renderSettings },
];

/** The pages `me` may open (by its roles). */
export function pagesFor(me) {
  const roles = (me && me.roles) || [];
  return ADMIN_PAGES.filter((page) => page.roles.some((role) => roles.includes(role)));
}
