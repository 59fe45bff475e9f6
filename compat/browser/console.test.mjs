// Real-browser test of the agent console (/console), in Debian's Chromium driven by
// playwright-core (never a browser download).
//
// Every control of the console is found by its role and accessible name (SPEC section 20),
// never by a CSS class: the names are the console's test surface and its screen-reader surface.
// The visitor side is the stock widget served at /livechat in scenarios 2 and 9, and REST
// calls from here in the others (each scenario has visitors and rooms of its own).
//
// Scenarios:
//   1. sign-in page, chat list and conversation have no serious or critical axe-core violation;
//   2. a chat with the stock widget: alert, replies both ways, close with comment and tag;
//   3. manual routing: the chat waits in "Queue", the agent takes it;
//   4. forward from one agent to another (two browser contexts);
//   5. a manager creates a department and a canned response in the admin pages; an agent
//      sends it by typing /shortcut;
//   6. hostile message content is shown as text and runs nothing;
//   7. the socket is cut and restored: "Reconnecting…", then every message once, in order;
//   8. history paging: 70 visitor messages, the first page without message 1, "Load older
//      messages" brings it, every message once, in order;
//   9. typing both ways: the widget's visitor types ("<name> is typing…"), the agent types (the
//      widget's socket receives `[username, true]` and then `false` on `<rid>/typing`);
//  10. the agent edits ("Edit message", "Save") and deletes ("Delete message") an own message:
//      the conversation, the chat list and the visitor's history follow;
//  11. unread count and alerts: a message in chat B while A is open: "1 unread" on B and "(1)"
//      in the page title, both cleared by opening B;
//  12. retry-safe send: the first POST chat.sendMessage fails at the network, "Retry" stores
//      the message once, under the first attempt's _id;
//  13. a 360x740 screen: sign in, open a chat, send, "Back to chats", never scrolling sideways;
//  14. attachments: the agent sends a PNG with "Attach file" (and the message box's text): the
//      visitor's history has it, the console previews it (an image named by the file) and
//      "Download <name>" gives the same bytes; a visitor's upload shows live with its preview;
//      an upload past FileUpload_MaxFileSize shows an alert and stores nothing.
//
// Run by `cargo xtask console` / `cargo xtask ci`, which build and start the server and set:
//   LIVECHAT_URL               the server's base URL
//   LIVECHAT_AGENTS            three agents, comma-separated (`user add --role agent`)
//   LIVECHAT_MANAGER_USERNAME  a livechat manager (`--role manager`)
//   LIVECHAT_ADMIN_USERNAME    an admin (`--role admin`)
//   LIVECHAT_PASSWORD          the password of all of them
//   CHROMIUM                   the browser (default /usr/bin/chromium)
//   SCREENSHOT_DIR             where the console-*.png of each step go
//   CONSOLE_SCENARIOS          optional: run only scenarios whose name contains one of these
//                              comma-separated words

import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { pngImage } from './png.mjs';
import { requireEnv, restClient } from './support.mjs';

const SERVER = requireEnv('LIVECHAT_URL', 'console').replace(/\/+$/, '');
const AGENTS = requireEnv('LIVECHAT_AGENTS', 'console').split(',');
const MANAGER = requireEnv('LIVECHAT_MANAGER_USERNAME', 'console');
const ADMIN = requireEnv('LIVECHAT_ADMIN_USERNAME', 'console');
const PASSWORD = requireEnv('LIVECHAT_PASSWORD', 'console');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || 'screenshots';
const ONLY = (process.env.CONSOLE_SCENARIOS || '').split(',').map((word) => word.trim()).filter(Boolean);
const OVERALL_TIMEOUT_MS = Number(process.env.CONSOLE_TEST_TIMEOUT_MS || 360_000);
// How long a state of a page may take to show, generous for a loaded 2-core machine; every
// wait ends as soon as the state is there.
const UI_TIMEOUT_MS = 20_000;
// A reconnect waits for the console's back-off, which may grow while the socket is refused.
const RECONNECT_TIMEOUT_MS = 45_000;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const run = Date.now().toString(36);
const started = Date.now();


function log(message) {
  console.log(`[console ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function ours(url) {
  return url.startsWith(SERVER);
}

function shortUrl(url) {
  return ours(url) ? url.slice(SERVER.length) || '/' : url;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------
// REST, for setting up and for the REST visitors

const api = restClient(SERVER, 15_000);

/** `{userId, authToken}` of each user, logged in once over REST. */
const auth = {};

async function logIn(username) {
  const login = await api('POST', 'login', { user: username, password: PASSWORD });
  auth[username] = { userId: login.data.userId, authToken: login.data.authToken };
}

/** Sets an agent's availability over REST (the console's switch is tested separately). */
async function setStatus(username, status) {
  await api('POST', 'livechat/agent.status', { status }, auth[username]);
}

/** Waits (polling the server) until an agent's availability is `status`. */
async function waitForStatus(username, status) {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    const answer = await api('GET', `livechat/users/agent/${auth[username].userId}`, undefined, auth[ADMIN]);
    last = answer.user?.statusLivechat;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${username}'s availability is ${JSON.stringify(last)} on the server, not "${status}", `
    + `${UI_TIMEOUT_MS / 1000} s after the console's "Available" switch changed`);
}

/**
 * Stores a setting as the admin (or, `readOnly`, lets the console have stored it); waits until
 * the server reads it back.
 */
async function setSetting(id, value, { readOnly = false } = {}) {
  if (!readOnly) await api('POST', `settings/${id}`, { value }, auth[ADMIN]);
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let read;
  while (Date.now() < deadline) {
    read = (await api('GET', `settings/${id}`, undefined, auth[ADMIN])).value;
    if (read === value) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`setting ${id} reads ${JSON.stringify(read)}, not ${JSON.stringify(value)}`);
}

let visitorCount = 0;

/** A visitor created over REST; `open` opens its room (routed at once) with a first message. */
function restVisitor(name) {
  visitorCount += 1;
  const visitor = {
    name,
    token: `console-test-${run}-${visitorCount}`,
    rid: null,
    async register() {
      await api('POST', 'livechat/visitor', { visitor: { token: this.token, name: this.name } });
    },
    async open() {
      await this.register();
      const answer = await api('GET', `livechat/room?token=${encodeURIComponent(this.token)}`);
      this.rid = answer.room._id;
      return this.rid;
    },
    async send(msg) {
      if (!this.rid) await this.open();
      return (await api('POST', 'livechat/message', { token: this.token, rid: this.rid, msg })).message;
    },
    async history() {
      const answer = await api('GET', `livechat/messages.history/${this.rid}?token=${encodeURIComponent(this.token)}&limit=100`);
      return answer.messages;
    },
  };
  return visitor;
}

/** Waits (polling the visitor's history) until a message with exactly `text` is stored. */
async function waitForVisitorMessage(visitor, text, why) {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let messages = [];
  while (Date.now() < deadline) {
    messages = await visitor.history();
    if (messages.some((message) => message.msg === text)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the visitor's room has no message ${JSON.stringify(text)} (${why}); it has: ${
    JSON.stringify(messages.map((message) => message.msg))}`);
}

// ---------------------------------------------------------------------------------------
// The browser and its pages

let browser;
let scenario = null; // the running scenario: { name, step, pages: [{label, page, ...}] }

const records = new WeakMap();
// Logged by the page after axe-core's run: what the CSP blocked before it was axe-core's doing.
const AXE_DONE = 'console-test: axe-core done';

/** Starts recording what a page does, for the verdict and for diagnostics. */
function watch(page, label, options = {}) {
  const record = { label, page, problems: [], warnings: [], requests: [], consoleLines: [], frames: [], axe: false };
  records.set(page, record);
  const expected = options.expectedErrors || (() => false);
  page.on('console', (msg) => {
    const line = `${msg.type()}: ${msg.text()}`;
    record.consoleLines.push(line);
    if (msg.text() === AXE_DONE) record.axe = false;
    if (msg.type() !== 'error' || expected(line)) return;
    // axe-core adds <style> elements of its own, which the console's CSP refuses.
    if (record.axe && /inline style/.test(line)) return;
    // A CSP violation means the page tried to run or load what the policy forbids.
    if (/Content Security Policy|Refused to/.test(line)) record.problems.push(`console ${line}`);
    else record.warnings.push(`console ${line}`);
  });
  page.on('pageerror', (error) => record.problems.push(`page error: ${error.stack || error}`));
  page.on('response', async (res) => {
    const req = res.request();
    if (!ours(res.url())) return;
    record.requests.push(`${req.method()} ${shortUrl(res.url())} -> ${res.status()}`);
    if (res.status() >= 400 && shortUrl(res.url()) !== '/favicon.ico') {
      let body = '';
      try {
        body = (await res.text()).slice(0, 300);
      } catch {
        // The body may be gone when the page navigated meanwhile.
      }
      const line = `HTTP ${res.status()} for ${req.method()} ${shortUrl(res.url())} -> ${body}`;
      if (res.status() >= 500) record.problems.push(line);
      else record.warnings.push(line);
    }
  });
  page.on('websocket', (socket) => {
    record.frames.push(`open ${shortUrl(socket.url())}`);
    socket.on('framesent', (frame) => record.frames.push(`>> ${String(frame.payload).slice(0, 300)}`));
    socket.on('framereceived', (frame) => record.frames.push(`<< ${String(frame.payload).slice(0, 300)}`));
    socket.on('close', () => record.frames.push('closed'));
  });
  scenario?.pages.push(record);
  return record;
}

/** A fresh browser context (its own storage) with one page, watched. */
async function newPage(label, { width = 1280, height = 800, ...options } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  scenario.contexts.push(context);
  const page = await context.newPage();
  watch(page, label, options);
  return page;
}

/** Marks the start of a step, so a failure names where it happened. */
function begin(name) {
  scenario.step = name;
  log(`  ${scenario.name}: ${name}`);
}

/** Saves a screenshot of a step as console-<name>.png (best effort). */
async function snapshot(page, name) {
  const path = join(SCREENSHOT_DIR, `console-${name}.png`);
  try {
    await page.screenshot({ path, timeout: 10_000 });
    scenario.screenshots.push(path);
  } catch (error) {
    console.error(`no screenshot ${path}: ${error}`);
  }
}

/** Waits for a locator to become visible, failing with what the page should have shown. */
async function visible(locator, what, timeout = UI_TIMEOUT_MS) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`${what} did not show within ${timeout / 1000} s`);
  }
  return locator.first();
}

/** Chooses the option of a <select> whose text is `text`, once the options have loaded. */
async function selectByText(select, text, what) {
  const option = select.getByRole('option', { name: text, exact: true });
  try {
    await option.first().waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(`${what} did not load within ${UI_TIMEOUT_MS / 1000} s`);
  }
  await select.selectOption(await option.first().getAttribute('value'));
}

/** Waits for a locator to disappear (or never be there). */
async function gone(locator, what, timeout = UI_TIMEOUT_MS) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout });
  } catch {
    throw new Error(`${what} still shows after ${timeout / 1000} s`);
  }
}

// ---------------------------------------------------------------------------------------
// The console, by role and accessible name

async function openConsole(page) {
  const response = await page.goto(`${SERVER}/console`, { waitUntil: 'load', timeout: UI_TIMEOUT_MS });
  if (!response || response.status() !== 200) {
    throw new Error(`GET /console answered ${response?.status()}`);
  }
}

async function signIn(page, username) {
  await openConsole(page);
  await (await visible(page.getByLabel('Username', { exact: true }), 'the "Username" field')).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await visible(page.getByRole('button', { name: 'Sign out', exact: true }), `the "Sign out" button once ${username} signed in`);
}

/** The "Available" control: a switch or a checkbox. */
function availableSwitch(page) {
  return page.getByRole('switch', { name: 'Available', exact: true })
    .or(page.getByRole('checkbox', { name: 'Available', exact: true }));
}

/** Turns the agent available with the console's own switch; waits until the server knows. */
async function becomeAvailable(page, username) {
  const control = await visible(availableSwitch(page), 'the "Available" switch');
  if (!(await control.isChecked())) await control.click();
  try {
    await page.waitForFunction(
      (element) => element.checked === true || element.getAttribute('aria-checked') === 'true',
      await control.elementHandle(),
      { timeout: UI_TIMEOUT_MS },
    );
  } catch {
    throw new Error('the "Available" switch did not turn on');
  }
  await waitForStatus(username, 'available');
}

/** The region named exactly `name` (SPEC section 20: "Queue", "My chats", "Conversation"). */
function region(page, name) {
  return page.getByRole('region', { name, exact: true });
}

/** A chat of a region's list ("Queue", "My chats", "All chats"), named by the visitor. */
function chatItem(page, regionName, visitorName) {
  return region(page, regionName).getByRole('listitem').filter({ hasText: visitorName });
}

/** Opens a chat from "My chats" (its link or button named by the visitor). */
async function openChat(page, visitorName) {
  const item = await visible(chatItem(page, 'My chats', visitorName), `"${visitorName}" in "My chats"`);
  const name = new RegExp(escapeRegExp(visitorName));
  await item.getByRole('link', { name }).or(item.getByRole('button', { name })).first().click();
  await visible(region(page, 'Conversation'), `the "Conversation" of ${visitorName}`);
}

/** A message of the open conversation (a list item) showing `text`. */
function messageItem(page, text) {
  return region(page, 'Conversation').getByRole('listitem').filter({ hasText: text });
}

function messageBox(page) {
  return page.getByRole('textbox', { name: 'Message', exact: true });
}

/** Types a message into "Message" and sends it with Enter. */
async function sendWithEnter(page, text) {
  const box = await visible(messageBox(page), 'the "Message" box');
  await box.fill(text);
  await box.press('Enter');
  await visible(messageItem(page, text), `the agent's own message "${text}" in "Conversation"`);
  try {
    await page.waitForFunction((element) => element.value === '', await box.elementHandle(), { timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(`the "Message" box still holds ${JSON.stringify(await box.inputValue())} after sending`);
  }
}

/** Runs axe-core in the page; fails on any serious or critical violation. */
async function checkAccessibility(page, what) {
  // The CSP forbids script tags from elsewhere; playwright evaluates outside of it.
  const record = records.get(page);
  record.axe = true;
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const done = page.waitForEvent('console', { predicate: (msg) => msg.text() === AXE_DONE, timeout: UI_TIMEOUT_MS });
  done.catch(() => {});
  const result = await page.evaluate(async () => {
    const answer = await window.axe.run(document, { resultTypes: ['violations'] });
    return { passes: answer.passes.length, violations: answer.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
    })) };
  });
  await page.evaluate((marker) => console.log(marker), AXE_DONE);
  await done;
  const bad = result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  log(`    axe-core on ${what}: ${result.passes} rules passed, ${result.violations.length} violated`);
  if (result.passes === 0) throw new Error(`axe-core checked nothing on ${what}`);
  for (const violation of result.violations) {
    log(`    axe (${what}): ${violation.impact} ${violation.id}: ${violation.help}`);
  }
  if (bad.length > 0) {
    throw new Error(`axe-core found ${bad.length} serious or critical violation(s) on ${what}:\n${
      bad.map((violation) => `  ${violation.impact} ${violation.id}: ${violation.help}\n    ${
        violation.nodes.join('\n    ')}`).join('\n')}`);
  }
}

/** Fails when a page recorded a problem (a page error, a CSP violation, a 5xx answer). */
function expectNoProblems() {
  const problems = scenario.pages.flatMap((record) => record.problems.map((problem) => `${record.label}: ${problem}`));
  if (problems.length > 0) {
    throw new Error(`the pages reported ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
}

/** Routing starts from a known state: nobody available, automatic selection. */
async function resetAgents() {
  for (const agent of AGENTS) await setStatus(agent, 'not-available');
}

// ---------------------------------------------------------------------------------------
// The stock widget (not our page): its form and buttons by role and name; its composer is a
// contenteditable without a role, and its launcher a button named by an avatar's initial, so
// those two are found the way widget.test.mjs finds them.

function widgetComposer(page) {
  return page.locator('[contenteditable="true"]').first();
}

async function widgetVisitor(page, name) {
  let token = null;
  page.on('request', (req) => {
    if (shortUrl(req.url()) === '/api/v1/livechat/visitor' && req.method() === 'POST') {
      try {
        token = JSON.parse(req.postData() || '{}').visitor?.token || token;
      } catch {
        // Reported by the check below.
      }
    }
  });
  const response = await page.goto(`${SERVER}/livechat`, { waitUntil: 'load', timeout: UI_TIMEOUT_MS });
  if (!response || response.status() !== 200) throw new Error(`GET /livechat answered ${response?.status()}`);
  const launcher = page.locator('button[class*="screen__chat-button"]');
  const nameField = page.getByRole('textbox', { name: /^Name/ });
  await Promise.race([
    launcher.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }),
    nameField.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }),
  ]).catch(() => {
    throw new Error(`the widget did not render within ${UI_TIMEOUT_MS / 1000} s`);
  });
  if (!(await nameField.isVisible())) await launcher.click();
  await (await visible(nameField, 'the widget\'s registration form ("Name")')).fill(name);
  const email = page.getByRole('textbox', { name: /^Email/ });
  if (await email.isVisible()) await email.fill(`visitor-${run}@example.com`);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await visible(widgetComposer(page), 'the widget\'s composer after registering');
  if (!token) throw new Error('the widget registered no visitor (no POST livechat/visitor seen)');
  return {
    token,
    async send(text) {
      const sent = page.waitForResponse(
        (res) => shortUrl(res.url()) === '/api/v1/livechat/message' && res.request().method() === 'POST',
        { timeout: UI_TIMEOUT_MS },
      );
      sent.catch(() => {});
      await widgetComposer(page).click();
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      const res = await sent;
      if (res.status() !== 200) throw new Error(`the widget's POST livechat/message answered ${res.status()}`);
      return JSON.parse(await res.text()).message;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Scenarios

async function signInAndAccessibility() {
  await resetAgents();
  const page = await newPage('agent1 console');
  const visitor = restVisitor(`Axe Visitor ${run}`);
  scenario.visitors.push(visitor);

  begin('the sign-in page');
  await openConsole(page);
  await visible(page.getByLabel('Username', { exact: true }), 'the "Username" field');
  await visible(page.getByLabel('Password', { exact: true }), 'the "Password" field');
  await visible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button');
  await snapshot(page, 'sign-in');
  await checkAccessibility(page, 'the sign-in page');

  begin('a wrong password is refused with a message, and the form stays');
  await page.getByLabel('Username', { exact: true }).fill(AGENTS[0]);
  await page.getByLabel('Password', { exact: true }).fill(`not-${PASSWORD}`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await visible(page.getByRole('alert').filter({ hasText: /\S/ }), 'an alert after a wrong password');
  await visible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the "Sign in" button after a wrong password');

  begin('agent1 signs in (Enter in the password field) and becomes available');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await visible(page.getByRole('button', { name: 'Sign out', exact: true }), 'the "Sign out" button');
  await becomeAvailable(page, AGENTS[0]);
  const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
  if (!stored.includes(auth[AGENTS[0]].userId)) {
    throw new Error('the credentials are not in sessionStorage');
  }
  if (page.url().includes('authToken') || page.url().includes('token=')) {
    throw new Error(`the auth token is in the URL: ${page.url()}`);
  }

  begin('a visitor writes; the chat list shows it');
  await visitor.send(`Hello, I need help ${run}`);
  await visible(chatItem(page, 'My chats', visitor.name), `"${visitor.name}" in "My chats"`);
  await visible(region(page, 'Queue'), 'the "Queue" region');
  await snapshot(page, 'chat-list');
  await checkAccessibility(page, 'the chat list');

  begin('the conversation');
  await openChat(page, visitor.name);
  await visible(messageItem(page, `Hello, I need help ${run}`), 'the visitor\'s message in "Conversation"');
  await visible(messageBox(page), 'the "Message" box');
  await snapshot(page, 'conversation');
  await checkAccessibility(page, 'a conversation');

  begin('sign out');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await visible(page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form after signing out');
  const left = await page.evaluate(() => JSON.stringify(sessionStorage));
  if (left.includes(auth[AGENTS[0]].userId)) throw new Error('the credentials stayed in sessionStorage after signing out');
  expectNoProblems();
}

async function widgetChat() {
  await resetAgents();
  const agentName = AGENTS[0];
  const tag = `tag-${run}`;
  await api('POST', 'livechat/tags.save', { tagData: { name: tag, description: 'console test' } }, auth[ADMIN]);
  const agent = await newPage(`${agentName} console`);
  const widget = await newPage('visitor widget', { width: 420, height: 640 });
  const visitorName = `Widget Visitor ${run}`;
  const first = `Hello from the widget ${run}`;
  const reply = `Agent reply ${run}: how can I help?`;
  const second = `Thanks, second visitor message ${run}`;
  const comment = `Solved by the console test ${run}`;

  begin(`${agentName} signs in and becomes available`);
  await signIn(agent, agentName);
  await becomeAvailable(agent, agentName);
  const quietTitle = await agent.title();

  begin('a visitor writes in the stock widget');
  const visitor = await widgetVisitor(widget, visitorName);
  // Half a second after its room exists, the widget loads the room's history and replaces the
  // messages it shows with it: the agent's reply waits for that load (see widget.test.mjs).
  const historyLoaded = widget.waitForResponse(
    (res) => shortUrl(res.url()).startsWith('/api/v1/livechat/messages.history/'),
    { timeout: UI_TIMEOUT_MS },
  );
  historyLoaded.catch(() => {});
  const message = await visitor.send(first);
  scenario.visitors.push({ token: visitor.token, rid: message.rid });
  await visible(widget.getByText(first), 'the visitor\'s own message in the widget');

  begin('the chat appears in "My chats" with an alert in the page title');
  await visible(chatItem(agent, 'My chats', visitorName), `"${visitorName}" in "My chats"`);
  try {
    await agent.waitForFunction((quiet) => document.title !== quiet, quietTitle, { timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(`the page title stayed ${JSON.stringify(quietTitle)}: no alert for the new chat`);
  }
  log(`    title with the alert: ${JSON.stringify(await agent.title())}`);
  await snapshot(agent, 'widget-chat-alert');

  begin('the agent opens the chat and replies with Enter; the widget shows the reply');
  await openChat(agent, visitorName);
  await visible(messageItem(agent, first), 'the visitor\'s first message in "Conversation"');
  await historyLoaded.catch(() => {
    throw new Error(`the widget did not load the room's history within ${UI_TIMEOUT_MS / 1000} s`);
  });
  await sendWithEnter(agent, reply);
  await visible(widget.getByText(reply), `the agent's reply "${reply}" in the widget`);

  begin('the visitor replies; the agent sees it live');
  await visitor.send(second);
  await visible(messageItem(agent, second), `the visitor's reply "${second}" in "Conversation"`);
  await snapshot(agent, 'widget-chat-conversation');

  begin('the agent closes the chat with a comment and a tag');
  await agent.getByRole('button', { name: 'Close chat', exact: true }).click();
  const dialog = await visible(agent.getByRole('dialog'), 'the close dialog');
  await dialog.getByLabel('Comment', { exact: true }).fill(comment);
  await chooseTag(dialog, tag);
  await snapshot(agent, 'widget-chat-close-dialog');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await gone(agent.getByRole('dialog'), 'the close dialog');
  await gone(chatItem(agent, 'My chats', visitorName), `"${visitorName}" in "My chats" after closing`);

  begin('the server kept the comment and the tag; the widget shows the chat ended');
  const closed = (await api('GET', `livechat/rooms?open=false&roomName=${encodeURIComponent(visitorName)}`, undefined, auth[ADMIN])).rooms;
  const room = closed.find((candidate) => candidate._id === message.rid);
  if (!room) throw new Error(`room ${message.rid} is not among the closed rooms: ${JSON.stringify(closed).slice(0, 500)}`);
  if (!(room.tags || []).includes(tag)) throw new Error(`room ${message.rid} has tags ${JSON.stringify(room.tags)}, not ${tag}`);
  const history = (await api('GET', `livechat/messages.history/${message.rid}?token=${encodeURIComponent(visitor.token)}&limit=100`)).messages;
  if (!JSON.stringify(room).includes(comment) && !history.some((entry) => entry.msg === comment)) {
    throw new Error(`the closing comment ${JSON.stringify(comment)} is neither on room ${message.rid} nor in its history`);
  }
  await visible(widget.getByText('Thanks for talking with us'), 'the widget\'s "Chat Finished" screen');
  await snapshot(widget, 'widget-chat-ended');
  expectNoProblems();
}

/** Picks a tag in the close dialog's "Tags": a select, a combobox, a text box or checkboxes. */
async function chooseTag(dialog, tag) {
  const checkbox = dialog.getByRole('group', { name: 'Tags' }).getByRole('checkbox', { name: tag });
  if (await checkbox.count()) {
    await checkbox.check();
    return;
  }
  const field = dialog.getByLabel('Tags', { exact: true });
  await visible(field, 'the "Tags" field of the close dialog');
  const role = await field.evaluate((element) => element.tagName.toLowerCase());
  if (role === 'select') {
    await field.selectOption({ label: tag });
  } else {
    await field.fill(tag);
    const option = dialog.page().getByRole('option', { name: tag });
    if (await option.count()) await option.first().click();
  }
}

async function manualRouting() {
  await resetAgents();
  const agentName = AGENTS[1];
  const visitor = restVisitor(`Queued Visitor ${run}`);
  scenario.visitors.push(visitor);
  begin('an admin opens every administration page, then switches routing to Manual_Selection in "Settings"');
  scenario.cleanups.push(() => setSetting('Livechat_Routing_Method', 'Auto_Selection'));
  const adminPage = await newPage(`${ADMIN} console`);
  await signIn(adminPage, ADMIN);
  const administration = adminPage.getByRole('navigation', { name: 'Administration', exact: true });
  for (const title of ['Agents', 'Departments', 'Canned responses', 'Tags', 'Settings']) {
    await administration.getByRole('link', { name: title, exact: true }).click();
    await visible(adminPage.getByRole('heading', { name: title, exact: true, level: 2 }), `the "${title}" page`);
  }
  const routing = await visible(adminPage.getByRole('combobox', { name: 'Routing method', exact: true }), 'the "Routing method" setting');
  await routing.selectOption('Manual_Selection');
  await adminPage.getByRole('button', { name: 'Save Routing method', exact: true }).click();
  await setSetting('Livechat_Routing_Method', 'Manual_Selection', { readOnly: true });
  await snapshot(adminPage, 'manual-settings');
  const page = await newPage(`${agentName} console`);

  begin(`${agentName} signs in and becomes available`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);

  begin('a visitor writes; the chat waits in "Queue"');
  await visitor.send(`Is anyone there? ${run}`);
  const queued = await visible(chatItem(page, 'Queue', visitor.name), `"${visitor.name}" in "Queue"`);
  if (await chatItem(page, 'My chats', visitor.name).count()) {
    throw new Error(`"${visitor.name}" is in "My chats" before anyone took it`);
  }
  await snapshot(page, 'manual-queue');

  begin('the agent takes it ("Take"); it moves to "My chats"');
  await queued.getByRole('button', { name: /^Take/ }).click();
  await visible(chatItem(page, 'My chats', visitor.name), `"${visitor.name}" in "My chats" after "Take"`);
  await gone(chatItem(page, 'Queue', visitor.name), `"${visitor.name}" in "Queue" after "Take"`);
  const room = (await api('GET', 'livechat/rooms?open=true&count=100', undefined, auth[ADMIN])).rooms.find((r) => r._id === visitor.rid);
  if (room?.servedBy?.username !== agentName) {
    throw new Error(`room ${visitor.rid} is served by ${JSON.stringify(room?.servedBy)}, not ${agentName}`);
  }
  await openChat(page, visitor.name);
  await sendWithEnter(page, `Taken by ${agentName} ${run}`);
  await waitForVisitorMessage(visitor, `Taken by ${agentName} ${run}`, 'the agent\'s answer after taking the chat');
  await snapshot(page, 'manual-taken');
  expectNoProblems();
}

async function forward() {
  await resetAgents();
  const [nameA, nameB] = AGENTS;
  const visitor = restVisitor(`Forwarded Visitor ${run}`);
  scenario.visitors.push(visitor);
  const pageA = await newPage(`${nameA} console`);
  const pageB = await newPage(`${nameB} console`);

  begin(`${nameA} signs in and becomes available; the visitor's chat goes to ${nameA}`);
  await signIn(pageA, nameA);
  await becomeAvailable(pageA, nameA);
  await visitor.send(`Please forward me ${run}`);
  await visible(chatItem(pageA, 'My chats', visitor.name), `"${visitor.name}" in ${nameA}'s "My chats"`);

  begin(`${nameB} signs in (another browser context) and becomes available`);
  await signIn(pageB, nameB);
  await becomeAvailable(pageB, nameB);
  if (await chatItem(pageB, 'My chats', visitor.name).count()) {
    throw new Error(`"${visitor.name}" is in ${nameB}'s "My chats" before the forward`);
  }

  begin('Escape closes the forward dialog');
  await openChat(pageA, visitor.name);
  await pageA.getByRole('button', { name: 'Forward', exact: true }).click();
  await visible(pageA.getByRole('dialog'), 'the forward dialog');
  await pageA.keyboard.press('Escape');
  await gone(pageA.getByRole('dialog'), 'the forward dialog after Escape');

  begin(`${nameA} forwards the chat to ${nameB}`);
  await pageA.getByRole('button', { name: 'Forward', exact: true }).click();
  const dialog = await visible(pageA.getByRole('dialog'), 'the forward dialog');
  const agentField = dialog.getByLabel('Agent', { exact: true });
  await visible(agentField, 'the forward dialog\'s "Agent" field');
  const tag = await agentField.evaluate((element) => element.tagName.toLowerCase());
  if (tag === 'select') {
    await selectByText(agentField, nameB, `${nameB} among the "Agent" options`);
  } else {
    await agentField.fill(nameB);
    await (await visible(pageA.getByRole('option', { name: new RegExp(escapeRegExp(nameB)) }), `${nameB} among the "Agent" options`)).click();
  }
  await snapshot(pageA, 'forward-dialog');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await gone(pageA.getByRole('dialog'), 'the forward dialog');

  begin(`${nameB} sees it in "My chats"; ${nameA} no longer has it`);
  await visible(chatItem(pageB, 'My chats', visitor.name), `"${visitor.name}" in ${nameB}'s "My chats"`);
  await gone(chatItem(pageA, 'My chats', visitor.name), `"${visitor.name}" in ${nameA}'s "My chats" after forwarding`);
  await snapshot(pageB, 'forward-received');
  await openChat(pageB, visitor.name);
  await visible(messageItem(pageB, `Please forward me ${run}`), `the history in ${nameB}'s "Conversation"`);
  await sendWithEnter(pageB, `${nameB} here ${run}`);
  await waitForVisitorMessage(visitor, `${nameB} here ${run}`, `${nameB}'s answer after the forward`);
  expectNoProblems();
}

async function adminPagesAndCannedResponse() {
  await resetAgents();
  const department = `Support ${run}`;
  const shortcut = `thanks${run}`;
  const text = `Thank you for waiting, we are on it (${run}).`;
  const [, , agentName] = AGENTS;
  const members = [AGENTS[0], agentName];
  const visitor = restVisitor(`Canned Visitor ${run}`);
  scenario.visitors.push(visitor);
  const manager = await newPage(`${MANAGER} console`);

  begin(`${MANAGER} (a livechat manager) signs in and opens "Departments"`);
  await signIn(manager, MANAGER);
  const nav = await visible(manager.getByRole('navigation', { name: 'Administration' }), 'the "Administration" navigation');
  if (await nav.getByRole('link', { name: 'Settings', exact: true }).count()) {
    throw new Error('a livechat manager sees the admin-only "Settings" page');
  }
  await nav.getByRole('link', { name: 'Departments', exact: true }).click();
  await visible(manager.getByRole('heading', { name: 'Departments' }), 'the "Departments" heading');

  begin(`the manager creates department "${department}" with ${members.join(' and ')}`);
  await fillAdminForm(manager, 'department', { Name: department });
  for (const member of members) await addMember(manager, member);
  await saveAdminForm(manager, 'department');
  await visible(
    manager.getByRole('table', { name: 'Departments', exact: true }).getByRole('rowheader', { name: department, exact: true }),
    `the new department "${department}" in the table "Departments"`,
  );
  const departments = (await api('GET', `livechat/department?text=${encodeURIComponent(department)}`, undefined, auth[ADMIN])).departments;
  const created = departments.find((d) => d.name === department);
  if (!created) throw new Error(`the server has no department "${department}"`);
  const agents = (await api('GET', `livechat/department/${created._id}/agents`, undefined, auth[ADMIN])).agents.map((a) => a.username).sort();
  if (JSON.stringify(agents) !== JSON.stringify([...members].sort())) {
    throw new Error(`department "${department}" has agents ${JSON.stringify(agents)}, not ${JSON.stringify(members)}`);
  }
  await snapshot(manager, 'admin-department');

  begin(`the manager creates the canned response /${shortcut}`);
  await nav.getByRole('link', { name: 'Canned responses', exact: true }).click();
  await visible(manager.getByRole('heading', { name: 'Canned responses' }), 'the "Canned responses" heading');
  await fillAdminForm(manager, 'canned response', { Shortcut: shortcut, Text: text });
  await saveAdminForm(manager, 'canned response');
  await visible(
    manager.getByRole('table', { name: 'Canned responses', exact: true }).getByRole('rowheader', { name: shortcut, exact: true }),
    `the canned response "${shortcut}" in the table "Canned responses"`,
  );
  await snapshot(manager, 'admin-canned');

  begin(`${agentName} signs in, becomes available and gets the visitor's chat`);
  const page = await newPage(`${agentName} console`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.send(`Where is my order? ${run}`);
  await openChat(page, visitor.name);

  begin(`the agent types /${shortcut} in "Message" and sends the expanded text`);
  const box = await visible(messageBox(page), 'the "Message" box');
  await box.fill('');
  await box.pressSequentially(`/${shortcut}`);
  const suggestion = page.getByRole('option', { name: new RegExp(escapeRegExp(shortcut)) });
  await visible(suggestion, `the suggestion of /${shortcut}`);
  await snapshot(page, 'canned-suggestion');
  await box.press('Enter');
  try {
    await page.waitForFunction((element) => element.value.includes('Thank you for waiting'), await box.elementHandle(), { timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(`Enter on the suggestion did not put the canned text into "Message" (it holds ${JSON.stringify(await box.inputValue())})`);
  }
  await box.press('Enter');
  await visible(messageItem(page, text), 'the canned text in "Conversation"');
  await waitForVisitorMessage(visitor, text, 'the canned response, expanded');
  expectNoProblems();
}

/** Opens an admin page's "Add" form (if it has one) and fills labelled fields. */
async function fillAdminForm(page, what, fields) {
  const add = page.getByRole('button', { name: /^Add/ });
  const firstField = page.getByLabel(Object.keys(fields)[0], { exact: true });
  if (!(await firstField.isVisible())) {
    await (await visible(add, `the "Add" button of the ${what} page`)).click();
  }
  for (const [label, value] of Object.entries(fields)) {
    await (await visible(page.getByLabel(label, { exact: true }), `the ${what}'s "${label}" field`)).fill(value);
  }
}

/**
 * Adds an agent to the department being edited: a checkbox in the group "Agents", or a
 * select, combobox or text field "Agent(s)".
 */
async function addMember(page, username) {
  const checkbox = page.getByRole('group', { name: 'Agents', exact: true }).getByRole('checkbox', { name: username, exact: true });
  await visible(checkbox.or(page.getByLabel(/^(Add agent|Agents?)$/)), `a way to add ${username} to the department`);
  if (await checkbox.count()) {
    await checkbox.check();
    return;
  }
  const field = page.getByLabel(/^(Add agent|Agents?)$/);
  await visible(field, 'the department\'s agent field');
  const tag = await field.first().evaluate((element) => element.tagName.toLowerCase());
  if (tag === 'select') {
    await selectByText(field.first(), username, `${username} among the agent options`);
  } else {
    await field.first().fill(username);
    const option = page.getByRole('option', { name: new RegExp(escapeRegExp(username)) });
    if (await option.count()) await option.first().click();
  }
  const button = page.getByRole('button', { name: new RegExp(`^Add( agent)?( ${escapeRegExp(username)})?$`) });
  if (await button.count()) await button.first().click();
  await visible(page.getByText(username), `${username} among the department's agents`);
}

async function saveAdminForm(page, what) {
  await (await visible(page.getByRole('button', { name: /^(Save|Create)/ }), `the ${what}'s "Save" button`)).click();
}

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

async function hostileContent() {
  await resetAgents();
  const agentName = AGENTS[0];
  const visitor = restVisitor(`Hostile Visitor ${run}`);
  scenario.visitors.push(visitor);
  const page = await newPage(`${agentName} console`);

  begin(`${agentName} signs in and becomes available`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);

  begin('the visitor sends markup; the chat list and the conversation show it as text');
  await visitor.send(HOSTILE);
  await openChat(page, visitor.name);
  const shown = await visible(messageItem(page, HOSTILE), 'the hostile message, literally, in "Conversation"');
  const text = await shown.innerText();
  if (!text.includes(HOSTILE)) throw new Error(`the message shows ${JSON.stringify(text)}, not the literal markup`);
  const injected = await region(page, 'Conversation').locator('img[src="x"], script').count();
  if (injected > 0) throw new Error(`the conversation holds ${injected} element(s) made from the message's markup`);
  const preview = await visible(chatItem(page, 'My chats', visitor.name), `"${visitor.name}" in "My chats"`);
  if (!(await preview.innerText()).includes(HOSTILE)) {
    throw new Error(`the chat list's preview shows ${JSON.stringify(await preview.innerText())}, not the literal markup`);
  }
  const pwned = await page.evaluate(() => window.__pwned);
  if (pwned !== undefined) throw new Error(`the message's script ran: window.__pwned is ${JSON.stringify(pwned)}`);
  await snapshot(page, 'hostile');

  begin('a link is clickable only as http(s), opening with noopener noreferrer');
  const link = `https://example.com/${run}`;
  await visitor.send(`see ${link} and javascript:alert(1)`);
  const anchor = await visible(messageItem(page, link).getByRole('link', { name: link }), `the link ${link}`);
  const rel = (await anchor.getAttribute('rel')) || '';
  if (!rel.includes('noopener') || !rel.includes('noreferrer')) throw new Error(`the link's rel is ${JSON.stringify(rel)}`);
  if (await messageItem(page, link).getByRole('link', { name: /javascript/ }).count()) {
    throw new Error('a javascript: text became a link');
  }
  if ((await page.evaluate(() => window.__pwned)) !== undefined) throw new Error('window.__pwned is set');

  begin('Shift+Enter starts a new line, Enter sends both lines as one message');
  const box = await visible(messageBox(page), 'the "Message" box');
  await box.click();
  await box.pressSequentially(`first line ${run}`);
  await box.press('Shift+Enter');
  await box.pressSequentially(`second line ${run}`);
  await box.press('Enter');
  await visible(messageItem(page, `second line ${run}`), 'the two-line message in "Conversation"');
  await waitForVisitorMessage(visitor, `first line ${run}\nsecond line ${run}`, 'Shift+Enter as a new line');
  expectNoProblems();
}

async function reconnect() {
  await resetAgents();
  const agentName = AGENTS[2];
  const visitor = restVisitor(`Reconnect Visitor ${run}`);
  scenario.visitors.push(visitor);
  const page = await newPage(`${agentName} console`, {
    // The browser reports each refused socket in the console.
    expectedErrors: (line) => /WebSocket/i.test(line),
  });
  let cut = false;
  const open = new Set();
  await page.routeWebSocket('**/websocket', (ws) => {
    if (cut) {
      ws.close({ code: 4000, reason: 'cut by the test' });
      return;
    }
    const server = ws.connectToServer();
    const pair = { ws, server };
    open.add(pair);
    ws.onClose(() => {
      open.delete(pair);
      server.close();
    });
    server.onClose(() => {
      open.delete(pair);
      ws.close();
    });
  });

  begin(`${agentName} signs in, becomes available and opens the visitor's chat`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.send(`Before the cut ${run}`);
  await openChat(page, visitor.name);
  await visible(messageItem(page, `Before the cut ${run}`), 'the first message');
  await gone(page.getByRole('status').filter({ hasText: 'Reconnecting' }), '"Reconnecting…" before the cut');

  begin('the socket is cut: "Reconnecting…" shows');
  cut = true;
  for (const pair of [...open]) {
    pair.ws.close({ code: 4000, reason: 'cut by the test' });
    pair.server.close();
  }
  await visible(page.getByRole('status').filter({ hasText: 'Reconnecting…' }), 'the status "Reconnecting…"');
  await snapshot(page, 'reconnecting');

  begin('the visitor writes three messages meanwhile (REST)');
  const during = [1, 2, 3].map((n) => `While cut ${n} ${run}`);
  for (const text of during) await visitor.send(text);

  begin('the socket is restored: the messages appear once each, in order');
  cut = false;
  for (const text of during) {
    await visible(messageItem(page, text), `"${text}" after the reconnect`, RECONNECT_TIMEOUT_MS);
  }
  await gone(page.getByRole('status').filter({ hasText: 'Reconnecting' }), '"Reconnecting…" after the reconnect', RECONNECT_TIMEOUT_MS);
  const texts = await region(page, 'Conversation').getByRole('listitem').allInnerTexts();
  const order = texts.map((line) => during.findIndex((text) => line.includes(text))).filter((index) => index >= 0);
  if (JSON.stringify(order) !== '[0,1,2]') {
    throw new Error(`the messages sent while cut show as ${JSON.stringify(order)} (indexes), expected [0,1,2] once each:\n${texts.join('\n')}`);
  }
  const before = texts.filter((line) => line.includes(`Before the cut ${run}`)).length;
  if (before !== 1) throw new Error(`"Before the cut" shows ${before} times`);

  begin('live messages flow again, and the agent\'s answer reaches the visitor');
  await visitor.send(`After the cut ${run}`);
  await visible(messageItem(page, `After the cut ${run}`), 'a live message after the reconnect');
  await sendWithEnter(page, `Back online ${run}`);
  await waitForVisitorMessage(visitor, `Back online ${run}`, 'the agent\'s message after the reconnect');
  await snapshot(page, 'reconnected');
  expectNoProblems();
}

/**
 * Polls the visitor's history until `test(messages)` holds; returns those messages. Twice a
 * second at most: the server allows a visitor token 120 requests a minute.
 */
async function waitForVisitorHistory(visitor, test, what) {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let messages = [];
  while (Date.now() < deadline) {
    messages = await visitor.history();
    if (test(messages)) return messages;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: not so in the visitor's history after ${UI_TIMEOUT_MS / 1000} s; it has: ${
    JSON.stringify(messages.map((message) => ({ _id: message._id, msg: message.msg })))}`);
}

/** Waits until the page's title matches (`expected`) or does not match (`!expected`) `pattern`. */
async function waitForTitle(page, pattern, expected, what) {
  try {
    await page.waitForFunction(
      ([source, want]) => new RegExp(source).test(document.title) === want,
      [pattern.source, expected],
      { timeout: UI_TIMEOUT_MS },
    );
  } catch {
    throw new Error(`${what}: the page title is ${JSON.stringify(await page.title())}`);
  }
}

/**
 * The DDP frames a page receives on its WebSockets, parsed; `waitFor(test, what)` resolves
 * with the first frame (already received or still to come) that passes `test`. Attach it
 * before the page opens its socket.
 */
function receivedFrames(page) {
  const frames = [];
  const waiters = new Set();
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => {
      let frame;
      try {
        frame = JSON.parse(String(payload));
      } catch {
        return;
      }
      frames.push(frame);
      for (const waiter of [...waiters]) {
        if (!waiter.test(frame)) continue;
        waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    });
  });
  return {
    frames,
    /** `after`: a frame this one must follow. */
    waitFor(test, what, { after = null, timeout = UI_TIMEOUT_MS } = {}) {
      const found = frames.slice(after ? frames.indexOf(after) + 1 : 0).find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { test, resolve };
        waiter.timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${what} did not arrive within ${timeout / 1000} s`));
        }, timeout);
        waiters.add(waiter);
      });
    },
  };
}

/** Whether a DDP frame is the typing event `[username, typing]` of room `rid`. */
function isTypingEvent(frame, rid, username, typing) {
  return frame.msg === 'changed'
    && frame.collection === 'stream-notify-room'
    && frame.fields?.eventName === `${rid}/typing`
    && JSON.stringify((frame.fields.args || []).slice(0, 2)) === JSON.stringify([username, typing]);
}

/**
 * Fails when the page scrolls sideways at its width: the document, or any scrolling part of it
 * (the console's panes scroll on their own, so a too wide element may widen only its pane).
 */
async function expectNoHorizontalScroll(page, width, when) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  const panes = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((element) => /auto|scroll/.test(getComputedStyle(element).overflowX) && element.scrollWidth > element.clientWidth + 1)
    .map((element) => `<${element.tagName.toLowerCase()} class="${element.className}"> scrollWidth ${element.scrollWidth} > ${element.clientWidth}`));
  if (scrollWidth > width || panes.length > 0) {
    const wide = await page.evaluate((limit) => [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
      .slice(0, 5)
      .map((element) => `<${element.tagName.toLowerCase()} class="${element.className}"> right=${Math.round(element.getBoundingClientRect().right)}`), width);
    throw new Error(`${when}: the page scrolls sideways (document scrollWidth ${scrollWidth}, width ${width}; `
      + `sideways-scrolling parts: ${panes.join(', ') || 'none'}); reaching past the right edge: ${wide.join(', ') || 'nothing'}`);
  }
}

/**
 * Sends a message as a REST visitor, waiting out the server's per-token rate limit (120 a
 * minute in bursts of 30, so a long history takes some 20 s): a refused request is repeated
 * with the same `_id`, which the server stores at most once.
 */
async function sendWithinRateLimit(visitor, msg) {
  const _id = `paging-${run}-${Math.random().toString(36).slice(2, 12)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return (await api('POST', 'livechat/message', { token: visitor.token, rid: visitor.rid, msg, _id })).message;
    } catch (error) {
      if (!/HTTP 429/.test(String(error.message)) || Date.now() > deadline) throw error;
    }
    // The limit lets one message through every 500 ms once the burst is spent.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function historyPaging() {
  await resetAgents();
  const agentName = AGENTS[1];
  const visitor = restVisitor(`Paging Visitor ${run}`);
  scenario.visitors.push(visitor);
  const total = 70;
  const label = (n) => `Paging ${String(n).padStart(2, '0')}/${total} ${run}`;
  const page = await newPage(`${agentName} console`);

  begin(`${agentName} signs in and becomes available; the visitor sends ${total} messages (REST)`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.open();
  for (let n = 1; n <= total; n += 1) await sendWithinRateLimit(visitor, label(n));

  begin('the agent opens the chat: the newest page shows, without message 1');
  await openChat(page, visitor.name);
  await visible(messageItem(page, label(total)), `the newest message "${label(total)}"`);
  const older = await visible(page.getByRole('button', { name: 'Load older messages', exact: true }), 'the "Load older messages" button');
  if (await messageItem(page, label(1)).count()) {
    throw new Error(`the first page already shows "${label(1)}": the history is not paged`);
  }
  await snapshot(page, 'paging-first-page');

  begin('"Load older messages" brings message 1; every message shows once, in order');
  await older.click();
  await visible(messageItem(page, label(1)), `"${label(1)}" after "Load older messages"`);
  await gone(page.getByRole('button', { name: 'Load older messages', exact: true }), '"Load older messages" with the whole history loaded');
  const texts = await region(page, 'Conversation').getByRole('listitem').allInnerTexts();
  const pattern = new RegExp(`Paging (\\d{2})/${total} ${escapeRegExp(run)}`);
  const shown = texts.map((text) => pattern.exec(text)).filter(Boolean).map((match) => Number(match[1]));
  const expected = Array.from({ length: total }, (_, index) => index + 1);
  if (JSON.stringify(shown) !== JSON.stringify(expected)) {
    throw new Error(`the conversation shows the messages as ${JSON.stringify(shown)}, expected 1 to ${total} once each, in order`);
  }
  await snapshot(page, 'paging-all');
  expectNoProblems();
}

async function typingBothWays() {
  await resetAgents();
  // The widget may offer the department of scenario 5, whose members include this agent.
  const agentName = AGENTS[0];
  const visitorName = `Typing Visitor ${run}`;
  const first = `Hello, typing test ${run}`;
  const typed = `I am still writing ${run}`;
  const agent = await newPage(`${agentName} console`);
  const widget = await newPage('visitor widget', { width: 420, height: 640 });
  const widgetFrames = receivedFrames(widget);

  begin(`${agentName} signs in and becomes available; a visitor writes in the stock widget`);
  await signIn(agent, agentName);
  await becomeAvailable(agent, agentName);
  const visitor = await widgetVisitor(widget, visitorName);
  const message = await visitor.send(first);
  const rid = message.rid;
  scenario.visitors.push({ token: visitor.token, rid });
  await openChat(agent, visitorName);
  await visible(messageItem(agent, first), 'the visitor\'s first message in "Conversation"');

  begin('the visitor types in the widget: the console shows "… is typing…"');
  const indicator = region(agent, 'Conversation').getByText(`${visitorName} is typing…`, { exact: true });
  await widgetComposer(widget).click();
  await widget.keyboard.type(typed);
  await visible(indicator, `"${visitorName} is typing…" in "Conversation"`);
  await snapshot(agent, 'typing-visitor');

  begin('the visitor sends: the message shows and the typing notice goes');
  await widget.keyboard.press('Enter');
  await visible(messageItem(agent, typed), `the visitor's message "${typed}"`);
  await gone(indicator, `"${visitorName} is typing…" after the visitor's message arrived`);

  begin('the agent types in "Message": the visitor\'s socket gets the typing event, then its end');
  const box = await visible(messageBox(agent), 'the "Message" box');
  await box.click();
  await box.pressSequentially(`Let me check ${run}`);
  const started = await widgetFrames.waitFor(
    (frame) => isTypingEvent(frame, rid, agentName, true),
    `the typing event ["${agentName}", true] on stream-notify-room "${rid}/typing" at the widget`,
  );
  await snapshot(widget, 'typing-agent-widget');
  await box.fill('');
  await widgetFrames.waitFor(
    (frame) => isTypingEvent(frame, rid, agentName, false),
    `the typing event ["${agentName}", false] at the widget once "Message" was emptied`,
    { after: started },
  );
  expectNoProblems();
}

async function editAndDelete() {
  await resetAgents();
  const agentName = AGENTS[2];
  const visitor = restVisitor(`Editing Visitor ${run}`);
  scenario.visitors.push(visitor);
  const original = `Your order ships Monday ${run}`;
  const corrected = `Correction: it ships Tuesday ${run}`;
  const page = await newPage(`${agentName} console`);

  begin(`${agentName} signs in, becomes available and answers the visitor`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.send(`When does my order ship? ${run}`);
  await openChat(page, visitor.name);
  await sendWithEnter(page, original);
  const stored = (await waitForVisitorHistory(
    visitor,
    (messages) => messages.some((message) => message.msg === original),
    `the agent's message "${original}"`,
  )).find((message) => message.msg === original);

  begin('"Edit message" → new text → "Save": the conversation and the visitor\'s history show the new text');
  await messageItem(page, original).getByRole('button', { name: 'Edit message', exact: true }).click();
  const field = await visible(region(page, 'Conversation').getByRole('textbox', { name: 'Edit message text', exact: true }), 'the edit field "Edit message text"');
  await field.fill(corrected);
  await snapshot(page, 'edit-form');
  await region(page, 'Conversation').getByRole('button', { name: 'Save', exact: true }).click();
  const edited = await visible(messageItem(page, corrected), `the edited message "${corrected}" in "Conversation"`);
  await gone(messageItem(page, original), `the old text "${original}" in "Conversation"`);
  if (!(await edited.innerText()).includes('edited')) {
    throw new Error(`the edited message does not say it was edited: ${JSON.stringify(await edited.innerText())}`);
  }
  const item = chatItem(page, 'My chats', visitor.name);
  await visible(item.filter({ hasText: corrected }), `the new text as the last message of "${visitor.name}" in "My chats"`);
  await gone(region(page, 'Conversation').getByRole('textbox', { name: 'Edit message text', exact: true }), 'the edit field after "Save"');
  await waitForVisitorHistory(
    visitor,
    (messages) => messages.some((message) => message._id === stored._id && message.msg === corrected)
      && !messages.some((message) => message.msg === original),
    `message ${stored._id} edited to "${corrected}"`,
  );
  await snapshot(page, 'edited');

  begin('"Delete message": the message leaves the conversation and the visitor\'s history');
  await messageItem(page, corrected).getByRole('button', { name: 'Delete message', exact: true }).click();
  await gone(messageItem(page, corrected), `the deleted message "${corrected}" in "Conversation"`);
  await gone(item.filter({ hasText: corrected }), `the deleted message as the last message of "${visitor.name}" in "My chats"`);
  await waitForVisitorHistory(
    visitor,
    (messages) => !messages.some((message) => message._id === stored._id),
    `message ${stored._id} deleted`,
  );
  await visible(messageItem(page, `When does my order ship? ${run}`), 'the visitor\'s message after the deletion');
  expectNoProblems();
}

async function unreadCountAndAlerts() {
  await resetAgents();
  const agentName = AGENTS[1];
  const visitorA = restVisitor(`Unread Visitor A ${run}`);
  const visitorB = restVisitor(`Unread Visitor B ${run}`);
  scenario.visitors.push(visitorA, visitorB);
  const page = await newPage(`${agentName} console`);
  const counted = /^\(\d+\)/;
  const badge = (visitor) => chatItem(page, 'My chats', visitor.name).getByRole('img', { name: /unread/ });

  begin(`${agentName} signs in and becomes available; two visitors write; the agent reads B, then opens A`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitorB.send(`Hello from B ${run}`);
  await visitorA.send(`Hello from A ${run}`);
  await openChat(page, visitorB.name);
  await visible(messageItem(page, `Hello from B ${run}`), 'B\'s first message');
  await openChat(page, visitorA.name);
  await visible(messageItem(page, `Hello from A ${run}`), 'A\'s first message');
  await gone(badge(visitorA), `an unread badge on "${visitorA.name}" while it is open`);
  await gone(badge(visitorB), `an unread badge on "${visitorB.name}" after reading it`);
  await waitForTitle(page, counted, false, 'with everything read, the title counts nothing');

  begin('B writes while A is open: B\'s item shows "1 unread", the title "(1)"');
  const late = `Are you there? ${run}`;
  await visitorB.send(late);
  await visible(
    chatItem(page, 'My chats', visitorB.name).getByRole('img', { name: '1 unread', exact: true }),
    `the badge "1 unread" on "${visitorB.name}"`,
  );
  await waitForTitle(page, /^\(1\)/, true, 'a new message in B: the title starts with "(1)"');
  if (await badge(visitorA).count()) throw new Error(`"${visitorA.name}", open, shows an unread badge`);
  if (await messageItem(page, late).count()) throw new Error(`B's message "${late}" shows in A's conversation`);
  log(`    title with the unread message: ${JSON.stringify(await page.title())}`);
  await snapshot(page, 'unread-badge');

  begin('opening B clears its badge and the title\'s count');
  await openChat(page, visitorB.name);
  await visible(messageItem(page, late), `"${late}" in B's conversation`);
  await gone(badge(visitorB), `the unread badge on "${visitorB.name}" once opened`);
  await waitForTitle(page, counted, false, 'B read: the title counts nothing');
  expectNoProblems();
}

async function retrySafeSend() {
  await resetAgents();
  const agentName = AGENTS[0];
  const visitor = restVisitor(`Retry Visitor ${run}`);
  scenario.visitors.push(visitor);
  const text = `Sent on the second try ${run}`;
  const page = await newPage(`${agentName} console`, {
    // The browser reports the request the test makes fail.
    expectedErrors: (line) => /ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(line),
  });
  const sentIds = [];
  page.on('request', (req) => {
    if (req.method() !== 'POST' || shortUrl(req.url()) !== '/api/v1/chat.sendMessage') return;
    try {
      sentIds.push(JSON.parse(req.postData() || '{}').message?._id);
    } catch {
      sentIds.push(undefined);
    }
  });

  begin(`${agentName} signs in, becomes available and opens the visitor's chat`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.send(`Can you hear me? ${run}`);
  await openChat(page, visitor.name);

  begin('the first POST chat.sendMessage fails at the network: the message offers "Retry"');
  await page.route('**/api/v1/chat.sendMessage', (route) => route.abort('internetdisconnected'), { times: 1 });
  const box = await visible(messageBox(page), 'the "Message" box');
  await box.fill(text);
  await box.press('Enter');
  const retry = await visible(messageItem(page, text).getByRole('button', { name: 'Retry', exact: true }), `"Retry" on the unsent "${text}"`);
  await snapshot(page, 'retry-failed');
  if ((await visitor.history()).some((message) => message.msg === text)) {
    throw new Error(`"${text}" is stored although its only request was aborted`);
  }

  begin('"Retry" stores it: once, under the id of the first attempt');
  await retry.click();
  await gone(messageItem(page, text).getByRole('button', { name: 'Retry', exact: true }), '"Retry" after a successful retry');
  const messages = await waitForVisitorHistory(
    visitor,
    (list) => list.some((message) => message.msg === text),
    `"${text}" stored after "Retry"`,
  );
  const copies = messages.filter((message) => message.msg === text);
  if (sentIds.length !== 2 || !sentIds[0] || sentIds[0] !== sentIds[1]) {
    throw new Error(`the console sent chat.sendMessage with ids ${JSON.stringify(sentIds)}: expected the same _id twice`);
  }
  if (copies.length !== 1 || copies[0]._id !== sentIds[0]) {
    throw new Error(`the visitor's history holds ${JSON.stringify(copies.map((message) => message._id))} for "${text}", expected exactly [${JSON.stringify(sentIds[0])}]`);
  }
  const shown = await messageItem(page, text).count();
  if (shown !== 1) throw new Error(`"${text}" shows ${shown} times in "Conversation"`);
  await snapshot(page, 'retry-sent');
  expectNoProblems();
}

async function smallScreen() {
  await resetAgents();
  const agentName = AGENTS[2];
  const width = 360;
  const height = 740;
  const visitor = restVisitor(`Small Screen Visitor ${run}`);
  scenario.visitors.push(visitor);
  const reply = `Answered from a phone ${run}`;
  const page = await newPage(`${agentName} console (${width}x${height})`, { width, height });

  begin(`${agentName} signs in on a ${width}x${height} screen and becomes available`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await expectNoHorizontalScroll(page, width, 'signed in');

  begin('a visitor writes: the chat shows in "My chats", the list fits the width');
  await visitor.send(`Hello from a small screen ${run}`);
  await visible(chatItem(page, 'My chats', visitor.name), `"${visitor.name}" in "My chats"`);
  await expectNoHorizontalScroll(page, width, 'the chat list');
  await snapshot(page, 'small-list');

  begin('the agent opens the chat and sends with "Send"; the message box stays in view');
  await openChat(page, visitor.name);
  await visible(messageItem(page, `Hello from a small screen ${run}`), 'the visitor\'s message');
  const box = await visible(messageBox(page), 'the "Message" box');
  const place = await box.boundingBox();
  if (!place || place.y < 0 || place.y + place.height > height || place.x < 0 || place.x + place.width > width) {
    throw new Error(`the "Message" box lies at ${JSON.stringify(place)}, outside the ${width}x${height} screen`);
  }
  await box.fill(reply);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await visible(messageItem(page, reply), `the agent's message "${reply}" in "Conversation"`);
  await waitForVisitorMessage(visitor, reply, 'the answer from the small screen');
  await expectNoHorizontalScroll(page, width, 'the open conversation');
  await snapshot(page, 'small-conversation');

  begin('"Back to chats" returns to the list');
  await page.getByRole('button', { name: 'Back to chats', exact: true }).click();
  await visible(chatItem(page, 'My chats', visitor.name), `"${visitor.name}" in "My chats" after "Back to chats"`);
  await gone(region(page, 'Conversation'), 'the "Conversation" after "Back to chats"');
  await expectNoHorizontalScroll(page, width, 'back in the list');
  await snapshot(page, 'small-back');
  expectNoProblems();
}

/** The visitor uploads `bytes` as `name` into its room (multipart, `x-visitor-token`). */
async function visitorUpload(visitor, name, bytes, type, msg) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  if (msg) form.append('msg', msg);
  const res = await fetch(`${SERVER}/api/v1/livechat/upload/${visitor.rid}`, {
    method: 'POST',
    headers: { 'x-visitor-token': visitor.token },
    body: form,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST livechat/upload answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Waits until an <img> has loaded a picture (it was allowed to fetch it). */
async function loadedImage(image, what) {
  try {
    await image.evaluate(
      (element) => new Promise((resolve, reject) => {
        const check = () => element.complete && element.naturalWidth > 0;
        if (check()) return resolve();
        element.addEventListener('load', () => (check() ? resolve() : reject(new Error('empty'))), { once: true });
        element.addEventListener('error', () => reject(new Error('error')), { once: true });
      }),
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
  } catch (error) {
    throw new Error(`${what} did not load (src ${await image.getAttribute('src')}): ${error.message}`);
  }
}

/** Clicks a download link; resolves to the suggested name and the downloaded bytes. */
async function download(page, link) {
  const started = page.waitForEvent('download', { timeout: UI_TIMEOUT_MS });
  started.catch(() => {});
  await link.click();
  const file = await started;
  const failure = await file.failure();
  if (failure) throw new Error(`the download of ${file.suggestedFilename()} failed: ${failure}`);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

async function attachments() {
  await resetAgents();
  const agentName = AGENTS[1];
  const visitor = restVisitor(`Attachment Visitor ${run}`);
  scenario.visitors.push(visitor);
  const page = await newPage(`${agentName} console`, {
    // The refused upload of the last step is a 413 the page reports.
    expectedErrors: (line) => /status of 413/.test(line),
  });
  // 640x400: larger than 480 pixels, so the server makes a thumbnail for the preview.
  const agentFile = `agent-shot-${run}.png`;
  const agentBytes = pngImage(640, 400, 1);
  const caption = `Here is the screenshot ${run}`;
  const visitorFile = `visitor-photo-${run}.png`;
  const visitorBytes = pngImage(96, 64, 2);

  // What the console asks of /file-upload: never credentials in the URL.
  const fileRequests = [];
  page.on('request', (req) => {
    if (ours(req.url()) && new URL(req.url()).pathname.startsWith('/file-upload/')) {
      fileRequests.push({ url: req.url(), headers: req.headers() });
    }
  });

  begin(`${agentName} signs in, becomes available and opens the visitor's chat`);
  await signIn(page, agentName);
  await becomeAvailable(page, agentName);
  await visitor.send(`Can you send me the screenshot? ${run}`);
  // The stock widget, opened on this origin in the same browser, leaves a visitor's cookies
  // (rc_token, rc_rid, rc_room_type): the console's files must not depend on them.
  await page.context().addCookies(['rc_token', 'rc_rid', 'rc_room_type'].map((name) => ({
    name,
    value: { rc_token: visitor.token, rc_rid: visitor.rid, rc_room_type: 'l' }[name],
    url: SERVER,
  })));
  await openChat(page, visitor.name);
  await visible(messageItem(page, `Can you send me the screenshot? ${run}`), 'the visitor\'s message');

  begin('"Attach file" with a caption in "Message": POST rooms.upload, the visitor\'s history has the file');
  await (await visible(messageBox(page), 'the "Message" box')).fill(caption);
  const attach = page.getByLabel('Attach file', { exact: true });
  await attach.waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
  const uploaded = page.waitForResponse(
    (res) => shortUrl(res.url()).startsWith('/api/v1/rooms.upload/') && res.request().method() === 'POST',
    { timeout: UI_TIMEOUT_MS },
  );
  uploaded.catch(() => {});
  await attach.setInputFiles({ name: agentFile, mimeType: 'image/png', buffer: agentBytes });
  const answer = await uploaded;
  if (answer.status() !== 200) throw new Error(`POST rooms.upload answered ${answer.status()}: ${await answer.text()}`);
  const messages = await waitForVisitorHistory(
    visitor,
    (list) => list.some((message) => message.file?.name === agentFile),
    `the agent's file ${agentFile}`,
  );
  const stored = messages.find((message) => message.file?.name === agentFile);
  if (stored.msg !== caption) throw new Error(`the file's message has msg ${JSON.stringify(stored.msg)}, not the caption ${JSON.stringify(caption)}`);
  const attachment = stored.attachments?.[0];
  if (!attachment?.image_url || attachment.image_url === attachment.title_link) {
    throw new Error(`a 640x400 image has no thumbnail of its own: ${JSON.stringify(attachment)}`);
  }
  if ((await messageBox(page).inputValue()) !== '') throw new Error('the "Message" box still holds the caption sent with the file');

  begin('the console previews the image (named by the file) and "Download <name>" gives the same bytes');
  const item = messageItem(page, caption);
  const preview = await visible(item.getByRole('img', { name: agentFile, exact: true }), `the preview "${agentFile}"`);
  await loadedImage(preview, `the preview "${agentFile}"`);
  const thumbnail = fileRequests.find((request) => new URL(request.url).pathname === new URL(attachment.image_url, SERVER).pathname);
  if (!thumbnail) {
    throw new Error(`the console did not fetch the thumbnail ${attachment.image_url}; it fetched ${JSON.stringify(fileRequests.map((request) => request.url))}`);
  }
  if (fileRequests.some((request) => request.url.includes(auth[agentName].authToken) || /rc_token|rc_uid/.test(request.url))) {
    throw new Error(`the console put credentials into a URL: ${JSON.stringify(fileRequests.map((request) => request.url))}`);
  }
  await checkAccessibility(page, 'a conversation with files');
  await snapshot(page, 'attachment-agent');
  const link = await visible(item.getByRole('link', { name: `Download ${agentFile}`, exact: true }), `the link "Download ${agentFile}"`);
  const got = await download(page, link);
  if (!got.bytes.equals(agentBytes)) {
    throw new Error(`"Download ${agentFile}" gave ${got.bytes.length} bytes that differ from the ${agentBytes.length} uploaded`);
  }
  if (got.name !== agentFile) throw new Error(`the download is named ${JSON.stringify(got.name)}, not ${JSON.stringify(agentFile)}`);
  if (!fileRequests.some((request) => new URL(request.url).pathname === new URL(attachment.title_link, SERVER).pathname)) {
    throw new Error(`the download did not fetch the original ${attachment.title_link}`);
  }

  begin('the visitor uploads a file (REST): it shows live in the console, with its preview');
  await visitorUpload(visitor, visitorFile, visitorBytes, 'image/png');
  const visitorPreview = await visible(
    region(page, 'Conversation').getByRole('img', { name: visitorFile, exact: true }),
    `the visitor's image "${visitorFile}" in "Conversation"`,
  );
  await loadedImage(visitorPreview, `the visitor's image "${visitorFile}"`);
  await visible(chatItem(page, 'My chats', visitor.name).filter({ hasText: visitorFile }), `"${visitorFile}" as the last message of "${visitor.name}" in "My chats"`);
  const visitorLink = await visible(
    region(page, 'Conversation').getByRole('link', { name: `Download ${visitorFile}`, exact: true }),
    `the link "Download ${visitorFile}"`,
  );
  const gotVisitor = await download(page, visitorLink);
  if (!gotVisitor.bytes.equals(visitorBytes)) throw new Error(`"Download ${visitorFile}" gave bytes that differ from the visitor's`);
  await snapshot(page, 'attachment-visitor');

  begin('a file past FileUpload_MaxFileSize: an alert says it is too large, nothing is stored');
  const limit = (await api('GET', 'settings/FileUpload_MaxFileSize', undefined, auth[ADMIN])).value;
  scenario.cleanups.push(() => setSetting('FileUpload_MaxFileSize', limit));
  await setSetting('FileUpload_MaxFileSize', 100);
  const tooLarge = `too-large-${run}.png`;
  const refused = page.waitForResponse(
    (res) => shortUrl(res.url()).startsWith('/api/v1/rooms.upload/') && res.request().method() === 'POST',
    { timeout: UI_TIMEOUT_MS },
  );
  refused.catch(() => {});
  // The request is held until the console has shown it as uploading.
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route('**/api/v1/rooms.upload/**', async (route) => {
    await held;
    await route.continue();
  }, { times: 1 });
  await page.getByLabel('Attach file', { exact: true }).setInputFiles({ name: tooLarge, mimeType: 'image/png', buffer: pngImage(64, 64, 3) });
  try {
    await visible(messageItem(page, `Uploading ${tooLarge}`), `"Uploading ${tooLarge}" while the upload is under way`);
  } finally {
    release();
  }
  const refusal = await refused;
  if (refusal.status() !== 413) throw new Error(`POST rooms.upload of a file past the limit answered ${refusal.status()}, not 413`);
  await visible(page.getByRole('alert').filter({ hasText: 'too large' }), 'an alert that the file is too large');
  await gone(region(page, 'Conversation').getByText(/Uploading/), 'the "Uploading" state after the refusal');
  await snapshot(page, 'attachment-too-large');
  if ((await visitor.history()).some((message) => message.file?.name === tooLarge)) {
    throw new Error(`the refused ${tooLarge} is in the visitor's history`);
  }
  expectNoProblems();
}

const SCENARIOS = [
  ['sign-in and accessibility', signInAndAccessibility],
  ['chat with the stock widget', widgetChat],
  ['manual routing', manualRouting],
  ['forward', forward],
  ['admin pages and canned response', adminPagesAndCannedResponse],
  ['hostile content', hostileContent],
  ['reconnect', reconnect],
  ['history paging', historyPaging],
  ['typing both ways', typingBothWays],
  ['edit and delete', editAndDelete],
  ['unread count and alerts', unreadCountAndAlerts],
  ['retry-safe send', retrySafeSend],
  ['small screen', smallScreen],
  ['attachments', attachments],
];

// ---------------------------------------------------------------------------------------
// Running, reporting, cleaning up

async function diagnose(error) {
  console.error(`\nFAILED ${scenario.name} at step "${scenario.step}": ${error.stack || error}`);
  for (const record of scenario.pages) {
    console.error(`\n--- ${record.label} (${record.page.isClosed() ? 'closed' : record.page.url()})`);
    for (const line of record.problems) console.error(`  problem: ${line}`);
    for (const line of record.warnings) console.error(`  warning: ${line}`);
    console.error('  requests (last 40):');
    for (const line of record.requests.slice(-40)) console.error(`    ${line}`);
    console.error('  console (last 30):');
    for (const line of record.consoleLines.slice(-30)) console.error(`    ${line}`);
    console.error('  websocket frames (last 30):');
    for (const line of record.frames.slice(-30)) console.error(`    ${line}`);
    if (!record.page.isClosed()) {
      const text = await record.page.evaluate(() => document.body?.innerText || '').catch((e) => `(cannot read: ${e})`);
      console.error(`  the page shows:\n${text.slice(0, 2000).replace(/^/gm, '    | ')}`);
      const slug = record.label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      await snapshot(record.page, `failed-${scenario.slug}-${slug}`);
    }
  }
}

/**
 * Closes a visitor's room (if still open): an open room would stay in its agent's lists and
 * counts. A visitor that used up its rate limit (history paging) is let through after a while.
 */
async function closeRoom(visitor) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await api('POST', 'livechat/room.close', { rid: visitor.rid, token: visitor.token });
      return;
    } catch (error) {
      // A room the scenario closed itself answers with an error too.
      if (!/HTTP 429/.test(String(error.message)) || Date.now() > deadline) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Closes the scenario's contexts and rooms, and undoes its settings. */
async function tearDown() {
  for (const context of scenario.contexts) await context.close().catch(() => {});
  for (const visitor of scenario.visitors) {
    if (visitor.rid) await closeRoom(visitor);
  }
  for (const cleanup of scenario.cleanups) {
    await cleanup().catch((error) => console.error(`clean-up of ${scenario.name}: ${error}`));
  }
}

const results = [];

async function main() {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // A run must not leave an earlier run's pictures of steps it never reached.
  for (const name of readdirSync(SCREENSHOT_DIR)) {
    if (name.startsWith('console-') && name.endsWith('.png')) rmSync(join(SCREENSHOT_DIR, name), { force: true });
  }
  for (const user of [...AGENTS, MANAGER, ADMIN]) await logIn(user);
  log(`launch ${CHROMIUM}`);
  // playwright's launch gives Chromium a fresh --user-data-dir of its own, removed on close;
  // each actor below has a context (cookies, storage) of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  for (const [name, body] of SCENARIOS) {
    if (ONLY.length > 0 && !ONLY.some((word) => name.includes(word))) continue;
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    scenario = { name, slug, step: 'start', pages: [], contexts: [], visitors: [], cleanups: [], screenshots: [] };
    log(`scenario: ${name}`);
    const began = Date.now();
    try {
      await body();
      results.push({ name, ok: true, seconds: (Date.now() - began) / 1000 });
      for (const record of scenario.pages) {
        for (const warning of record.warnings) log(`    note (${record.label}): ${warning.slice(0, 300)}`);
      }
      log(`ok: ${name} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    } catch (error) {
      await diagnose(error);
      results.push({ name, ok: false, seconds: (Date.now() - began) / 1000, why: `${scenario.step}: ${String(error.message || error).split('\n')[0]}` });
    }
    await tearDown();
    if (scenario.screenshots.length) log(`screenshots: ${scenario.screenshots.join(', ')}`);
  }
}

let finishing = null;

/** Ends the run once (main's end, the deadline or a stray rejection) and closes the browser. */
function finish(error) {
  finishing ??= (async () => {
    clearTimeout(deadline);
    if (error) {
      if (scenario) await diagnose(error).catch(() => {});
      else console.error(`\nFAILED: ${error.stack || error}`);
      results.push({ name: scenario?.name || 'set-up', ok: false, why: String(error.message || error) });
    }
    await browser?.close().catch(() => {});
    const failed = results.filter((result) => !result.ok);
    console.log('\nconsole test summary:');
    for (const result of results) {
      console.log(`  ${result.ok ? 'ok    ' : 'FAILED'} ${result.name}${result.ok ? ` (${result.seconds.toFixed(1)} s)` : `: ${result.why}`}`);
    }
    console.log(`screenshots: ${SCREENSHOT_DIR}/console-*.png`);
    console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
    process.exit(failed.length > 0 || results.length === 0 ? 1 : 0);
  })();
  return finishing;
}

const deadline = setTimeout(
  () => finish(new Error(`the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`)),
  OVERALL_TIMEOUT_MS,
);
// A promise left to reject would otherwise end node at once, the browser left running.
process.on('unhandledRejection', (error) => finish(error));

try {
  await main();
  await finish(null);
} catch (error) {
  await finish(error);
}
