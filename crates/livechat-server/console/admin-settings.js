// The "Settings" page (admins): the settings of SPEC section 15, one labelled field each,
// grouped by topic, each saved on its own with POST settings/:_id {value}.

import { button, el, field, notify, pageFrame, readAll, uniqueId } from './admin-ui.js';

const ON_OFF = 'bool';
const TEXT = 'text';
const LONG = 'long';
const NUMBER = 'number';
const CHOICE = 'choice';

/**
 * What the console knows of each setting: topic, label, type (bounds, choices). `later`:
 * the server does not offer it yet (its feature does not exist); it is shown when
 * `GET settings` lists it, and not asked for one by one. No label is part of another, so
 * each field is found by its label alone.
 */
const KNOWN = [
  ['General', [
    ['Livechat_enabled', 'Livechat enabled', ON_OFF],
    ['Livechat_Routing_Method', 'Routing method', CHOICE, {
      choices: [['Auto_Selection', 'Auto selection'], ['Manual_Selection', 'Manual selection (agents take chats from the queue)']],
    }],
    ['Livechat_maximum_chats_per_agent', 'Maximum chats per agent (0: no limit)', NUMBER, { min: 0, max: 1000000 }],
    ['Livechat_allow_switching_departments', 'Visitors may switch departments', ON_OFF],
    ['Canned_Responses_Enable', 'Canned responses enabled', ON_OFF],
    ['Omnichannel_enable_department_removal', 'Departments may be deleted', ON_OFF],
  ]],
  ['Widget', [
    ['Livechat_title', 'Widget title', TEXT, { max: 1024 }],
    ['Livechat_title_color', 'Widget colour', TEXT, { max: 64 }],
    ['Livechat_show_agent_info', 'Show agent information to visitors', ON_OFF],
    ['Livechat_show_agent_email', 'Show agent e-mail to visitors', ON_OFF],
    ['Livechat_registration_form', 'Show the registration form', ON_OFF],
    ['Livechat_name_field_registration_form', 'Name field on the registration form', ON_OFF],
    ['Livechat_email_field_registration_form', 'E-mail field on the registration form', ON_OFF],
    ['Livechat_registration_form_message', 'Registration form message', LONG, { max: 4096 }],
    ['Livechat_data_processing_consent_text', 'Data processing consent text', LONG, { max: 4096 }],
    ['Livechat_conversation_finished_message', 'Conversation finished message', LONG, { max: 4096 }],
    ['Livechat_conversation_finished_text', 'Conversation finished text', LONG, { max: 4096 }],
    ['Livechat_transcript_message', 'Transcript message', LONG, { max: 4096 }],
  ]],
  ['Offline form', [
    ['Livechat_display_offline_form', 'Display the offline form', ON_OFF],
    ['Livechat_offline_title', 'Offline title', TEXT, { max: 1024 }],
    ['Livechat_offline_title_color', 'Offline colour', TEXT, { max: 64 }],
    ['Livechat_offline_message', 'Offline form message', LONG, { max: 4096 }],
    ['Livechat_offline_success_message', 'Offline success message', LONG, { max: 4096 }],
    ['Livechat_offline_form_unavailable', 'Offline form unavailable message', LONG, { max: 4096 }],
    ['Livechat_offline_email', 'Offline messages e-mail address', TEXT, { max: 1024, later: true }],
  ]],
  ['Closing chats', [
    ['Omnichannel_allow_visitors_to_close_conversation', 'Visitors may close chats', ON_OFF],
    ['Livechat_request_comment_when_closing_conversation', 'Comment required when closing', ON_OFF],
    ['Omnichannel_allow_force_close_conversations', 'Allow force-closing chats', ON_OFF],
  ]],
  ['Timers', [
    ['Livechat_agent_leave_action', 'When an agent leaves', CHOICE, {
      choices: [['none', 'Nothing'], ['close', 'Close their chats'], ['forward', 'Forward their chats']],
    }],
    ['Livechat_agent_leave_action_timeout', 'Agent leave timeout (seconds)', NUMBER, { min: 1, max: 31536000 }],
    ['Livechat_agent_leave_comment', 'Comment when closing an absent agent\'s chats', TEXT, { max: 1024 }],
    ['Livechat_visitor_inactivity_timeout', 'Visitor inactivity timeout (seconds)', NUMBER, { min: 1, max: 31536000 }],
    ['Livechat_auto_close_abandoned_rooms', 'Close abandoned chats', ON_OFF],
    ['Livechat_abandoned_rooms_closed_custom_message', 'Comment when closing abandoned chats', LONG, { max: 4096 }],
  ]],
  ['Files', [
    ['FileUpload_Enabled', 'File uploads enabled', ON_OFF, { later: true }],
    ['Livechat_fileupload_enabled', 'Visitors may upload files', ON_OFF, { later: true }],
    ['FileUpload_ProtectFiles', 'Protect uploaded files', ON_OFF, { later: true }],
    ['FileUpload_MaxFileSize', 'Maximum file size (bytes)', NUMBER, { min: 0, max: 1073741824, later: true }],
    ['FileUpload_MediaTypeWhiteList', 'Accepted media types', TEXT, { max: 1024, later: true }],
    ['FileUpload_MediaTypeBlackList', 'Refused media types', TEXT, { max: 1024, later: true }],
  ]],
  ['Transcripts', [
    ['Livechat_enable_transcript', 'Transcripts enabled', ON_OFF, { later: true }],
    ['Livechat_transcript_email_subject', 'Transcript e-mail subject', TEXT, { max: 1024, later: true }],
  ]],
  ['Webhooks', [
    ['Livechat_webhookUrl', 'Webhook URL', TEXT, { max: 1024, later: true }],
    ['Livechat_secret_token', 'Webhook secret token', TEXT, { max: 1024, secret: true, later: true }],
    ['Livechat_http_timeout', 'Webhook timeout (milliseconds)', NUMBER, { min: 1, max: 60000, later: true }],
    ['Livechat_webhook_on_start', 'Webhook on chat start', ON_OFF, { later: true }],
    ['Livechat_webhook_on_chat_queued', 'Webhook on chat queued', ON_OFF, { later: true }],
    ['Livechat_webhook_on_chat_taken', 'Webhook on chat taken', ON_OFF, { later: true }],
    ['Livechat_webhook_on_forward', 'Webhook on forward', ON_OFF, { later: true }],
    ['Livechat_webhook_on_close', 'Webhook on close', ON_OFF, { later: true }],
    ['Livechat_webhook_on_visitor_message', 'Webhook on visitor message', ON_OFF, { later: true }],
    ['Livechat_webhook_on_agent_message', 'Webhook on agent message', ON_OFF, { later: true }],
    ['Livechat_webhook_on_offline_msg', 'Webhook on offline message', ON_OFF, { later: true }],
  ]],
];

const DEFINITIONS = new Map();
for (const [group, settings] of KNOWN) {
  for (const [id, label, type, extra = {}] of settings) DEFINITIONS.set(id, { id, label, type, group, ...extra });
}

/** A definition for a setting the console does not know, from the type of its value. */
function guessDefinition(id, value) {
  let type = TEXT;
  if (typeof value === 'boolean') type = ON_OFF;
  else if (typeof value === 'number') type = NUMBER;
  else if (typeof value === 'string' && value.length > 120) type = LONG;
  return { id, label: id.replace(/_/g, ' '), type, group: 'Other' };
}

/** Reads `{id: value}` of every setting: `GET settings`, else each known one by id. */
async function readSettings(api, signal) {
  try {
    const rows = await readAll(api, 'settings', 'settings', {}, signal);
    return new Map(rows.map((row) => [row._id, row.value]));
  } catch (error) {
    if (!error || ![404, 405].includes(error.status)) throw error;
  }
  const values = new Map();
  const ids = [...DEFINITIONS.values()].filter((definition) => !definition.later).map((definition) => definition.id);
  const worker = async () => {
    while (ids.length) {
      const id = ids.shift();
      try {
        const answer = await api.get(`settings/${encodeURIComponent(id)}`, undefined, { signal });
        values.set(id, answer.value);
      } catch (error) {
        // Settings the server does not offer yet answer error-invalid-setting: left out.
        if (error && error.name === 'AbortError') throw error;
        if (!error || error.error !== 'error-invalid-setting') throw error;
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return values;
}

export function renderSettings(container, ctx) {
  const { api } = ctx;
  const frame = pageFrame(container, 'Settings');
  const { signal } = frame;

  const filter = field('Filter settings', { kind: 'search', autocomplete: 'off' });
  const groupsBox = el('div', { class: 'admin-settings' });
  container.append(filter.wrapper, groupsBox);
  /** `{element, text}` of every shown setting, for the filter. */
  let rows = [];

  const applyFilter = () => {
    const words = filter.input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const row of rows) row.element.hidden = !words.every((word) => row.text.includes(word));
    for (const group of groupsBox.querySelectorAll('.admin-settings-group')) {
      group.hidden = ![...group.querySelectorAll('.admin-setting')].some((element) => !element.hidden);
    }
  };
  filter.input.addEventListener('input', applyFilter);

  const settingRow = (definition, value) => {
    let control;
    if (definition.type === ON_OFF) {
      control = field(definition.label, { kind: 'checkbox', value: value === true });
    } else if (definition.type === CHOICE) {
      const choices = definition.choices.map(([choice, label]) => ({ value: choice, label }));
      if (!choices.some((choice) => choice.value === value)) choices.push({ value: String(value), label: String(value) });
      control = field(definition.label, { kind: 'select', options: choices, value: String(value) });
    } else if (definition.type === NUMBER) {
      control = field(definition.label, {
        kind: 'number', value: String(value ?? ''), step: 1, min: definition.min, max: definition.max, required: true,
      });
    } else if (definition.type === LONG) {
      control = field(definition.label, { kind: 'textarea', value: value ?? '', maxlength: definition.max });
    } else {
      control = field(definition.label, {
        kind: definition.secret ? 'password' : 'text',
        value: value ?? '',
        maxlength: definition.max,
        autocomplete: 'off',
      });
    }
    const idNote = el('code', { class: 'admin-setting-id', id: uniqueId('admin-setting-id') }, definition.id);
    const describedBy = [control.input.getAttribute('aria-describedby'), idNote.id].filter(Boolean).join(' ');
    control.input.setAttribute('aria-describedby', describedBy);
    control.input.dataset.settingId = definition.id;
    const save = button('Save', undefined, { kind: 'submit', label: `Save ${definition.label}` });
    const form = el('form', { class: 'admin-setting', novalidate: true }, control.wrapper, idNote, save);
    let saved = value;
    const read = () => {
      if (definition.type === ON_OFF) return control.input.checked;
      if (definition.type === NUMBER) {
        const text = control.input.value.trim();
        if (!/^-?\d+$/.test(text)) return undefined;
        const number = Number(text);
        if ((definition.min !== undefined && number < definition.min)
          || (definition.max !== undefined && number > definition.max)) return undefined;
        return number;
      }
      return control.input.value;
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const next = read();
      if (next === undefined) {
        const bounds = definition.min !== undefined ? ` from ${definition.min} to ${definition.max}` : '';
        frame.alert.show(`${definition.label}: enter a whole number${bounds}.`);
        control.input.focus();
        return;
      }
      save.disabled = true;
      const done = await frame.guard(async () => {
        await api.post(`settings/${encodeURIComponent(definition.id)}`, { value: next }, { signal });
        return true;
      });
      save.disabled = false;
      if (done) {
        saved = next;
        notify(ctx, `${definition.label} saved.`);
      } else {
        control.input.focus();
      }
    });
    // A checkbox or a choice is saved with its own button too; Escape puts back the stored value.
    control.input.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      if (definition.type === ON_OFF) control.input.checked = saved === true;
      else control.input.value = saved ?? '';
    });
    rows.push({ element: form, text: `${definition.label} ${definition.id}`.toLowerCase() });
    return form;
  };

  const load = () => frame.guard(async () => {
    const values = await readSettings(api, signal);
    const groups = new Map(KNOWN.map(([group]) => [group, []]));
    groups.set('Other', []);
    for (const [id, value] of values) {
      const definition = DEFINITIONS.get(id) || guessDefinition(id, value);
      groups.get(definition.group).push({ definition, value });
    }
    for (const [group, list] of groups) {
      if (group === 'Other') list.sort((a, b) => a.definition.id.localeCompare(b.definition.id));
      else {
        const order = [...DEFINITIONS.keys()];
        list.sort((a, b) => order.indexOf(a.definition.id) - order.indexOf(b.definition.id));
      }
    }
    rows = [];
    const sections = [];
    for (const [group, list] of groups) {
      if (!list.length) continue;
      const headingId = uniqueId('admin-settings-group');
      sections.push(el('section', { class: 'admin-settings-group', 'aria-labelledby': headingId },
        el('h3', { id: headingId }, group),
        list.map(({ definition, value }) => settingRow(definition, value))));
    }
    groupsBox.replaceChildren(...sections);
    if (!sections.length) groupsBox.append(el('p', {}, 'No settings to show.'));
    applyFilter();
    return true;
  });

  frame.loading(load);
  return frame.cleanup;
}
