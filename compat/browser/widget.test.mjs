// Real-browser test: the stock Rocket.Chat widget (npm @rocket.chat/livechat), served
// unmodified by our server at /livechat, in Debian's Chromium driven by playwright-core.
//
// A visitor chats in the widget; an agent answers over the REST API; the answer must show
// up in the widget (it travels over the DDP WebSocket at /websocket). Every request the
// page makes to our server must succeed, and the console must stay free of errors.
//
// The visitor then sends an image with the widget's own upload button (the browser's file
// chooser); the agent finds it in the room's history and downloads the very same bytes.
//
// Before the visitor comes, an admin sets up two departments (the visitor picks one in the
// widget's registration form and is served by that department's agent), a custom field the
// form asks for, and a trigger whose message the widget shows.
//
// A second visitor picks the department whose only agent is never available: the widget shows
// its place in the queue (the header's "Waiting queue..." and "Your spot is #1", from the
// room stream's queueData). It then switches department through the widget's own options menu
// ("Change department", which posts livechat/room.transfer) to the department whose agent is
// available, and the header shows that agent's name (agentData on the room stream).
//
// Run by `cargo xtask browser` / `cargo xtask ci`, which build and start the server and set:
//   LIVECHAT_URL                   the server's base URL
//   LIVECHAT_AGENT_USERNAME        an agent created with `livechat-server user add`
//   LIVECHAT_AGENT_PASSWORD        its password (also the other users')
//   LIVECHAT_OTHER_AGENT_USERNAME  an agent of the other department, never available
//   LIVECHAT_ADMIN_USERNAME        an admin
//   CHROMIUM                 the browser (default /usr/bin/chromium)
//   SCREENSHOT               where to save the final screenshot; the queue, the switch and the
//                            upload are saved next to it (widget-queue.png, widget-switched.png,
//                            widget-upload.png)

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { chromium } from 'playwright-core';

import { pngImage } from './png.mjs';
import { requireEnv, restClient } from './support.mjs';

const SERVER = requireEnv('LIVECHAT_URL', 'browser').replace(/\/+$/, '');
const AGENT_USERNAME = requireEnv('LIVECHAT_AGENT_USERNAME', 'browser');
const AGENT_PASSWORD = requireEnv('LIVECHAT_AGENT_PASSWORD', 'browser');
const OTHER_AGENT_USERNAME = requireEnv('LIVECHAT_OTHER_AGENT_USERNAME', 'browser');
const ADMIN_USERNAME = requireEnv('LIVECHAT_ADMIN_USERNAME', 'browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.SCREENSHOT || 'widget.png';
const OVERALL_TIMEOUT_MS = Number(process.env.BROWSER_TEST_TIMEOUT_MS || 240_000);
const ARRIVAL_TIMEOUT_MS = 10_000;
// How long a screen of the widget (a menu, a form, a modal, a new header) may take to show,
// generous for a loaded 2-core machine; every wait ends as soon as the state is there.
const UI_TIMEOUT_MS = 30_000;

const run = Date.now().toString(36);
const VISITOR_TEXT_1 = `Hello from the widget ${run}`;
const AGENT_REPLY = `Agent reply ${run}: how can I help?`;
const VISITOR_TEXT_2 = `Second visitor message ${run}`;
const TRIGGER_TEXT = `Hello from a trigger ${run}`;
const COMPANY = `ACME ${run}`;
const QUEUED_TEXT = `Anyone in billing? ${run}`;
// The Sales agent's display name, which the widget's header shows once it serves the chat.
const SALES_AGENT_NAME = 'Sam Sales';
// Screenshots of steps, saved next to SCREENSHOT.
const STEP_SCREENSHOTS = ['widget-queue.png', 'widget-switched.png', 'widget-upload.png'];

// What the page did, for the verdict and for diagnostics.
const requests = []; // "METHOD path -> status"
const problems = []; // failed requests to our server, console errors, page errors
const consoleLines = [];
const socketFrames = [];
let page;
let context;
let userDataDir;
let step = 'start';
// Pages being closed on purpose: their aborted requests are no failure.
const closing = new WeakSet();


function log(message) {
  console.log(`[browser ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

const started = Date.now();

/** Marks the start of a step, so a failure names where it happened. */
function begin(name) {
  step = name;
  log(`step: ${name}`);
}

function ours(url) {
  return url.startsWith(SERVER);
}

// The browser asks for /favicon.ico on its own; the widget's page names no icon.
function browserOwn(url) {
  return shortUrl(url || '') === '/favicon.ico';
}

function shortUrl(url) {
  return ours(url) ? url.slice(SERVER.length) || '/' : url;
}

const api = restClient(SERVER, 10_000);

// The visitor the widget registered (the body of its POST livechat/visitor).
let registered = null;

function watch(page) {
  page.on('request', (req) => {
    if (ours(req.url()) && shortUrl(req.url()) === '/api/v1/livechat/visitor' && req.method() === 'POST') {
      try {
        registered = JSON.parse(req.postData() || '{}').visitor || null;
      } catch {
        problems.push(`the widget registered with a body that is not JSON: ${req.postData()}`);
      }
    }
  });
  page.on('console', (msg) => {
    const line = `${msg.type()}: ${msg.text()}`;
    consoleLines.push(line);
    if (msg.type() === 'error' && !browserOwn(msg.location()?.url)) {
      problems.push(`console ${line} (at ${msg.location()?.url || '?'})`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.stack || error}`));
  page.on('requestfailed', (req) => {
    if (ours(req.url()) && !closing.has(page)) {
      problems.push(`request failed: ${req.method()} ${shortUrl(req.url())}: ${req.failure()?.errorText}`);
    }
  });
  page.on('response', async (res) => {
    const req = res.request();
    if (!ours(res.url())) {
      return;
    }
    requests.push(`${req.method()} ${shortUrl(res.url())} -> ${res.status()}`);
    if (res.status() >= 400 && !browserOwn(res.url())) {
      let body = '';
      try {
        body = (await res.text()).slice(0, 300);
      } catch {
        // The body may be gone when the page navigated meanwhile.
      }
      problems.push(`HTTP ${res.status()} for ${req.method()} ${shortUrl(res.url())} ${req.postData() || ''} -> ${body}`);
    }
  });
  page.on('websocket', (socket) => {
    socketFrames.push(`open ${shortUrl(socket.url())}`);
    socket.on('framesent', (frame) => socketFrames.push(`>> ${String(frame.payload).slice(0, 300)}`));
    socket.on('framereceived', (frame) => socketFrames.push(`<< ${String(frame.payload).slice(0, 300)}`));
    socket.on('socketerror', (error) => problems.push(`websocket error: ${error}`));
    socket.on('close', () => socketFrames.push('closed'));
  });
}

/** The widget's message composer (a contenteditable div). */
function composer() {
  return page.locator('[contenteditable="true"]').first();
}

async function sendAsVisitor(text) {
  const sent = page.waitForResponse(
    (res) => ours(res.url()) && res.url().includes('/api/v1/livechat/message') && res.request().method() === 'POST',
    { timeout: 15_000 },
  );
  // Awaited below; a failing click must not leave it to reject unhandled.
  sent.catch(() => {});
  await composer().click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  const res = await sent;
  const body = await res.text();
  if (res.status() !== 200) {
    throw new Error(`POST /api/v1/livechat/message answered ${res.status()}: ${body}`);
  }
  return JSON.parse(body).message;
}

async function expectVisible(text, why) {
  try {
    await page.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: ARRIVAL_TIMEOUT_MS });
  } catch {
    throw new Error(`"${text}" did not appear in the widget within ${ARRIVAL_TIMEOUT_MS / 1000} s (${why})`);
  }
}

async function logIn(user) {
  const login = await api('POST', 'login', { user, password: AGENT_PASSWORD });
  return { userId: login.data.userId, authToken: login.data.authToken };
}

/** Saves a screenshot of this step next to the final one (best effort). */
async function snapshot(name) {
  const path = join(dirname(SCREENSHOT), name);
  try {
    mkdirSync(dirname(path), { recursive: true });
    await page.screenshot({ path, timeout: 10_000 });
    log(`screenshot: ${path}`);
  } catch (error) {
    console.error(`no screenshot ${path}: ${error}`);
  }
}

/**
 * A new visitor: the current page closes first (the widget keeps its visitor in localStorage,
 * which every page of the origin shares and syncs), then a new page opens the widget with
 * that storage emptied once.
 */
async function freshVisitorPage() {
  const previous = page;
  page = await context.newPage();
  watch(page);
  if (previous) {
    closing.add(previous);
    await previous.close();
  }
  await page.addInitScript(() => {
    if (!window.sessionStorage.getItem('livechat-test-fresh')) {
      window.sessionStorage.setItem('livechat-test-fresh', '1');
      window.localStorage.clear();
    }
  });
  const response = await page.goto(`${SERVER}/livechat`, { waitUntil: 'load', timeout: 20_000 });
  if (!response || response.status() !== 200) {
    throw new Error(`GET /livechat answered ${response?.status()}`);
  }
}

/** Waits for a locator to become visible, failing with what the widget should have shown. */
async function expectShown(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(`${what} did not show in the widget within ${UI_TIMEOUT_MS / 1000} s`);
  }
}

/** The widget's header title: the agent's name, "Waiting queue..." or the widget's title. */
function headerTitle(text) {
  return page.locator('[class*="header__title"]').filter({ hasText: text });
}

/**
 * The visitor sends an image with the widget's upload button: the widget shows it, the agent
 * reads it in the room's history and downloads the same bytes with its headers.
 */
async function visitorAttachesImage({ auth, admin, rid }) {
  const name = `widget-photo-${run}.png`;
  const bytes = pngImage(120, 80, 5);

  begin('uploads are on: both settings (their defaults) and livechat/config\'s fileUpload');
  for (const id of ['FileUpload_Enabled', 'Livechat_fileupload_enabled']) {
    const { value } = await api('GET', `settings/${id}`, undefined, admin);
    if (value !== true) throw new Error(`setting ${id} is ${JSON.stringify(value)}, not its default true`);
  }
  const config = (await api('GET', `livechat/config?token=${encodeURIComponent(registered.token)}`)).config;
  if (config?.settings?.fileUpload !== true) {
    throw new Error(`livechat/config says settings.fileUpload ${JSON.stringify(config?.settings?.fileUpload)}, `
      + 'so the widget shows no upload button');
  }

  begin('the visitor clicks the widget\'s upload button and picks a PNG in the file chooser');
  // The composer's actions: the emoji picker before the text, the upload button after it
  // (while the text is empty); neither has a role or a name of its own.
  const uploadButton = page.locator('button[class*="composer__action"]:not([class*="emoji-picker-icon"])');
  await expectShown(uploadButton, 'the widget\'s upload button (settings.fileUpload)');
  const chooser = page.waitForEvent('filechooser', { timeout: UI_TIMEOUT_MS });
  chooser.catch(() => {});
  const uploaded = page.waitForResponse(
    (res) => ours(res.url()) && res.url().includes(`/api/v1/livechat/upload/${rid}`) && res.request().method() === 'POST',
    { timeout: UI_TIMEOUT_MS },
  );
  uploaded.catch(() => {});
  await uploadButton.first().click();
  const fileChooser = await chooser.catch(() => {
    throw new Error(`the upload button opened no file chooser within ${UI_TIMEOUT_MS / 1000} s`);
  });
  await fileChooser.setFiles({ name, mimeType: 'image/png', buffer: bytes });
  const res = await uploaded.catch(() => {
    throw new Error(`the widget did not POST livechat/upload/${rid} within ${UI_TIMEOUT_MS / 1000} s`);
  });
  if (res.status() !== 200) throw new Error(`POST livechat/upload answered ${res.status()}: ${await res.text()}`);

  begin('the widget shows the image it sent');
  const shown = page.locator('img[src*="/file-upload/"]');
  await expectShown(shown, 'the uploaded image in the widget');
  try {
    await shown.first().evaluate(
      (element) => new Promise((resolve, reject) => {
        if (element.complete && element.naturalWidth > 0) return resolve();
        element.addEventListener('load', () => resolve(), { once: true });
        element.addEventListener('error', () => reject(new Error('error')), { once: true });
      }),
      undefined,
      { timeout: UI_TIMEOUT_MS },
    );
  } catch (error) {
    throw new Error(`the widget's image ${await shown.first().getAttribute('src')} did not load: ${error.message}`);
  }

  begin('the agent finds the file in the room\'s history and downloads the same bytes');
  let message;
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (!message && Date.now() < deadline) {
    const history = await api('GET', `livechat/messages.history/${rid}?limit=20`, undefined, auth);
    message = history.messages.find((candidate) => candidate.file?.name === name);
    if (!message) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!message) throw new Error(`the room's history has no message with the file ${name}`);
  const visitor = (await api('GET', `livechat/visitor/${encodeURIComponent(registered.token)}`)).visitor;
  if (message.u?._id !== visitor._id) {
    throw new Error(`the file's message is from ${JSON.stringify(message.u)}, not the visitor ${visitor._id}`);
  }
  const link = message.attachments?.[0]?.title_link;
  if (!link?.startsWith('/file-upload/')) throw new Error(`the file's message has no download link: ${JSON.stringify(message.attachments)}`);
  const download = await fetch(`${SERVER}${link}`, {
    headers: { 'X-User-Id': auth.userId, 'X-Auth-Token': auth.authToken },
    signal: AbortSignal.timeout(15_000),
  });
  const got = Buffer.from(await download.arrayBuffer());
  if (download.status !== 200) throw new Error(`GET ${link} as the agent answered ${download.status}: ${got.toString().slice(0, 300)}`);
  if (!got.equals(bytes)) throw new Error(`GET ${link} gave ${got.length} bytes that differ from the ${bytes.length} the visitor sent`);
  await snapshot('widget-upload.png');
}

/**
 * The second visitor: queued in Billing (its only agent is never available), then switched
 * to Sales through the widget's options menu and served by the Sales agent.
 */
async function queueAndSwitch({ auth, admin, sales, billing }) {
  begin('the Sales agent gives itself a display name for the widget\'s header');
  await api('POST', 'users.updateOwnBasicInfo', { data: { name: SALES_AGENT_NAME } }, auth);

  begin('a new visitor opens the widget');
  registered = null;
  await freshVisitorPage();
  const chatButton = page.locator('button[class*="screen__chat-button"]');
  const nameField = page.locator('input[name="name"]');
  await Promise.race([
    chatButton.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }),
    nameField.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS }),
  ]).catch(() => {
    throw new Error(`the widget did not render within ${UI_TIMEOUT_MS / 1000} s (no chat button, no form)`);
  });
  if (!(await nameField.isVisible())) {
    await chatButton.click();
  }
  await expectShown(nameField, 'the registration form');

  begin('the visitor registers with Billing, whose only agent is not available');
  await nameField.fill('Queued Visitor');
  const email = page.locator('input[name="email"]');
  if (await email.isVisible()) {
    await email.fill('queued@example.com');
  }
  await page.locator('select[name="department"]').selectOption({ label: 'Billing' });
  const company = page.locator('input[name="company"]');
  if (await company.isVisible()) {
    await company.fill(COMPANY);
  }
  await page.locator('button[type="submit"]').click();
  await expectShown(composer(), 'the chat composer after registering');
  if (!registered?.token) {
    throw new Error(`the widget registered no visitor token: ${JSON.stringify(registered)}`);
  }
  const token = registered.token;

  begin('the visitor writes; nobody in Billing is available, so the room waits in the queue');
  const first = await sendAsVisitor(QUEUED_TEXT);
  const rid = first.rid;
  log(`room ${rid} opened by the queued visitor`);
  const waiting = (await api('GET', 'livechat/rooms?open=true', undefined, admin)).rooms
    .find((candidate) => candidate._id === rid);
  if (!waiting) {
    throw new Error(`room ${rid} is not among the open rooms the admin sees`);
  }
  if (waiting.servedBy) {
    throw new Error(`room ${rid} was served at once by ${JSON.stringify(waiting.servedBy)}; `
      + 'Billing\'s only agent is not available, so it should wait');
  }
  if (waiting.departmentId !== billing._id) {
    throw new Error(`room ${rid} is in department ${waiting.departmentId}, not Billing (${billing._id})`);
  }

  begin('the widget shows its place in the queue: "Waiting queue..." and "Your spot is #1"');
  await expectShown(headerTitle('Waiting queue...'), 'the header\'s "Waiting queue..." (queueInfo.spot > 0)');
  await expectShown(page.getByText('Your spot is #1', { exact: true }), '"Your spot is #1" (queueData spot 1)');
  await snapshot('widget-queue.png');

  begin('the visitor opens the options menu and picks "Change department"');
  const options = page.locator('button[class*="footer__options"]');
  await expectShown(options, 'the footer\'s "Options" button');
  await options.click();
  const change = page.locator('button[class*="menu__item"]').filter({ hasText: 'Change department' });
  await expectShown(change, 'the options menu\'s "Change department" (allowSwitchingDepartments)');
  await change.click();

  begin('the visitor chooses Sales and confirms');
  await expectShown(headerTitle('Change Department'), 'the "Change Department" screen');
  const picker = page.locator('select[name="department"]');
  await expectShown(picker, 'the department picker of the "Change Department" screen');
  await picker.selectOption({ label: 'Sales' });
  const start = page.locator('button[type="submit"]');
  await expectShown(start, 'the "Start chat" button');
  await page.waitForFunction(
    () => !document.querySelector('button[type="submit"]')?.disabled,
    undefined,
    { timeout: UI_TIMEOUT_MS },
  ).catch(() => {
    throw new Error('the "Start chat" button stayed disabled after choosing Sales');
  });
  await start.click();
  await expectShown(page.getByText('Are you sure you want to switch the department?'), 'the confirmation');
  const transferred = page.waitForResponse(
    (res) => ours(res.url()) && res.url().includes('/api/v1/livechat/room.transfer') && res.request().method() === 'POST',
    { timeout: UI_TIMEOUT_MS },
  );
  // Awaited below; a failing click must not leave it to reject unhandled.
  transferred.catch(() => {});
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  const res = await transferred.catch(() => {
    throw new Error(`the widget did not POST livechat/room.transfer within ${UI_TIMEOUT_MS / 1000} s`);
  });
  if (res.status() !== 200) {
    throw new Error(`POST /api/v1/livechat/room.transfer answered ${res.status()}: ${await res.text()}`);
  }
  const sent = JSON.parse(res.request().postData() || '{}');
  if (sent.rid !== rid || sent.department !== sales._id || sent.token !== token) {
    throw new Error(`the widget's room.transfer body is ${JSON.stringify(sent)}, expected rid ${rid}, `
      + `department ${sales._id} and the visitor's token`);
  }
  await expectShown(page.getByText('Department switched'), 'the "Department switched" notice');
  await page.getByRole('button', { name: 'OK', exact: true }).click();

  begin(`the widget shows the Sales agent: "${SALES_AGENT_NAME}" in its header`);
  await expectShown(headerTitle(SALES_AGENT_NAME), `the agent's name "${SALES_AGENT_NAME}" (agentData)`);
  try {
    await page.getByText('Your spot is #1', { exact: true }).waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error('"Your spot is #1" still shows although an agent serves the chat');
  }
  await expectShown(composer(), 'the chat composer after switching');
  await snapshot('widget-switched.png');

  begin('the Sales agent finds the room served by it, in Sales');
  const served = (await api('GET', 'livechat/rooms?open=true', undefined, auth)).rooms
    .find((candidate) => candidate._id === rid);
  if (!served) {
    throw new Error(`room ${rid} is not among the Sales agent's rooms`);
  }
  if (served.servedBy?.username !== AGENT_USERNAME) {
    throw new Error(`room ${rid} is served by ${JSON.stringify(served.servedBy)}, not ${AGENT_USERNAME}`);
  }
  if (served.departmentId !== sales._id) {
    throw new Error(`room ${rid} is in department ${served.departmentId}, not Sales (${sales._id})`);
  }
  const visitor = (await api('GET', `livechat/visitor/${encodeURIComponent(token)}`)).visitor;
  if (visitor.department !== sales._id) {
    throw new Error(`the visitor's department is ${visitor.department} after the switch, not Sales (${sales._id})`);
  }

  begin('the visitor ends its chat (livechat/room.close with its token); the widget shows the end');
  await api('POST', 'livechat/room.close', { rid, token });
  await expectShown(page.getByText('Thanks for talking with us'), 'the widget\'s "Chat Finished" screen');
}

async function main() {
  begin('agent logs in and becomes available (before the visitor opens the chat)');
  const auth = await logIn(AGENT_USERNAME);
  await api('POST', 'livechat/agent.status', { status: 'available' }, auth);

  begin('an admin sets up two departments and a registration field');
  const admin = await logIn(ADMIN_USERNAME);
  const other = await logIn(OTHER_AGENT_USERNAME);
  const department = (name, agentId) => ({
    department: { name, enabled: true, showOnRegistration: true, showOnOfflineForm: true, email: '' },
    agents: [{ agentId }],
  });
  const sales = (await api('POST', 'livechat/department', department('Sales', auth.userId), admin)).department;
  const billing = (await api('POST', 'livechat/department', department('Billing', other.userId), admin)).department;
  await api('POST', 'livechat/custom-fields.save', {
    customFieldId: null,
    customFieldData: { field: 'company', label: 'Company', scope: 'visitor', visibility: 'visible', type: 'input', regexp: '' },
  }, admin);

  begin(`launch ${CHROMIUM}`);
  // A failed run must not leave an earlier run's pictures of the steps it never reached.
  for (const name of STEP_SCREENSHOTS) rmSync(join(dirname(SCREENSHOT), name), { force: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'livechat-browser-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 420, height: 640 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The widget plays a sound when a message arrives; the test has no user gesture for it.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  watch(page);

  begin(`open ${SERVER}/livechat`);
  const response = await page.goto(`${SERVER}/livechat`, { waitUntil: 'load', timeout: 20_000 });
  if (!response || response.status() !== 200) {
    throw new Error(`GET /livechat answered ${response?.status()}`);
  }
  const serverUrl = await page.evaluate(() => window.SERVER_URL);
  if (serverUrl !== SERVER) {
    throw new Error(`window.SERVER_URL is ${JSON.stringify(serverUrl)}, expected ${JSON.stringify(SERVER)}`);
  }

  begin('the widget opens (it starts minimized to its chat button)');
  const chatButton = page.locator('button[class*="screen__chat-button"]');
  const nameField = page.locator('input[name="name"]');
  await Promise.race([
    chatButton.waitFor({ state: 'visible', timeout: 20_000 }),
    composer().waitFor({ state: 'visible', timeout: 20_000 }),
  ]).catch(() => {
    throw new Error('the widget did not render within 20 s (no chat button, no composer)');
  });
  if (!(await composer().isVisible())) {
    await chatButton.click();
  }

  begin('the widget shows the chat, not the offline form (registering first if it asks)');
  await Promise.race([
    composer().waitFor({ state: 'visible', timeout: 15_000 }),
    nameField.waitFor({ state: 'visible', timeout: 15_000 }),
  ]).catch(() => {
    throw new Error('neither the chat composer nor a registration form appeared within 15 s');
  });
  // The offline form has name and e-mail fields too, plus its message box.
  if (await page.locator('textarea[name="message"]').isVisible()) {
    throw new Error('the widget shows the offline form ("leave a message") instead of the chat: '
      + 'livechat/config said online=false although the agent is available');
  }
  if (!(await nameField.isVisible())) {
    throw new Error('the registration form did not appear (Livechat_registration_form is on by default)');
  }
  begin('the visitor registers, choosing the Sales department and giving its company');
  await nameField.fill('Browser Visitor');
  const email = page.locator('input[name="email"]');
  if (await email.isVisible()) {
    await email.fill('visitor@example.com');
  }
  const picker = page.locator('select[name="department"]');
  if (!(await picker.isVisible())) {
    throw new Error('the registration form has no department picker although livechat/config lists two departments');
  }
  await picker.selectOption({ label: 'Sales' });
  const company = page.locator('input[name="company"]');
  if (!(await company.isVisible())) {
    throw new Error('the registration form does not ask for the custom field "company"');
  }
  await company.fill(COMPANY);
  // The widget registers the visitor, shows the chat, and only then sends the form's custom
  // fields (livechat/custom.field, not awaited): wait for that answer before checking them.
  const fieldSaved = page.waitForResponse(
    (res) => ours(res.url()) && res.url().includes('/api/v1/livechat/custom.field') && res.request().method() === 'POST',
    { timeout: UI_TIMEOUT_MS },
  );
  await page.locator('button[type="submit"]').click();
  await composer().waitFor({ state: 'visible', timeout: 15_000 });
  const saved = await fieldSaved.catch(() => {
    throw new Error(`the widget did not POST livechat/custom.field within ${UI_TIMEOUT_MS / 1000} s`);
  });
  if (saved.status() !== 200) {
    throw new Error(`POST /api/v1/livechat/custom.field answered ${saved.status()}`);
  }
  if (!registered?.token) {
    throw new Error(`the widget registered no visitor token: ${JSON.stringify(registered)}`);
  }
  const visitor = (await api('GET', `livechat/visitor/${encodeURIComponent(registered.token)}`)).visitor;
  if (visitor.department !== sales._id) {
    throw new Error(`the visitor's department is ${visitor.department}, not Sales (${sales._id})`);
  }
  if (visitor.livechatData?.company !== COMPANY) {
    throw new Error(`the visitor's custom fields are ${JSON.stringify(visitor.livechatData)}, without company ${COMPANY}`);
  }

  begin('the visitor sends a message');
  // Half a second after its room exists, the widget loads the room's history and then replaces
  // the messages it shows with it: a message the stream brings meanwhile is lost until a reload.
  // What the agent and the visitor write next waits for that load to end.
  const historyLoaded = page.waitForResponse(
    (res) => ours(res.url()) && res.url().includes('/api/v1/livechat/messages.history/'),
    { timeout: UI_TIMEOUT_MS },
  );
  historyLoaded.catch(() => {});
  const first = await sendAsVisitor(VISITOR_TEXT_1);
  const rid = first.rid;
  log(`stored as ${first._id} in room ${rid}`);

  begin('the agent finds the room');
  const rooms = await api('GET', 'livechat/rooms?open=true', undefined, auth);
  const room = rooms.rooms.find((candidate) => candidate._id === rid);
  if (!room) {
    throw new Error(`room ${rid} is not among the agent's rooms: ${JSON.stringify(rooms).slice(0, 500)}`);
  }
  if (room.servedBy?.username !== AGENT_USERNAME) {
    throw new Error(`room ${rid} is not served by ${AGENT_USERNAME}: ${JSON.stringify(room.servedBy)}`);
  }
  if (room.departmentId !== sales._id) {
    throw new Error(`room ${rid} is in department ${room.departmentId}, not Sales (${sales._id})`);
  }

  begin('the visitor sees its own message, and the widget has loaded the room\'s history');
  await expectVisible(VISITOR_TEXT_1, 'the first visitor message');
  await historyLoaded.catch(() => {
    throw new Error(`the widget did not load the room's history within ${UI_TIMEOUT_MS / 1000} s`);
  });
  await page.locator('[class*="chat__messages--loading"]').waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS })
    .catch(() => {
      throw new Error(`the widget still shows its messages as loading after ${UI_TIMEOUT_MS / 1000} s`);
    });

  begin('the agent replies over REST; the reply reaches the widget');
  await api('POST', 'chat.sendMessage', { message: { rid, msg: AGENT_REPLY } }, auth);
  try {
    await expectVisible(AGENT_REPLY, 'it travels over the DDP WebSocket at /websocket');
  } catch (error) {
    const history = await api('GET', `livechat/messages.history/${rid}?limit=20`, undefined, auth).catch((e) => ({ error: String(e) }));
    const stored = JSON.stringify(history).includes(AGENT_REPLY);
    throw new Error(`${error.message}; the reply ${stored ? 'IS' : 'is NOT'} in messages.history, so ${
      stored ? 'the realtime stream did not deliver it to the page' : 'the server did not store it'}`);
  }

  begin('a second visitor message appears too');
  await sendAsVisitor(VISITOR_TEXT_2);
  await expectVisible(VISITOR_TEXT_2, 'the visitor\'s own message is shown when the stream echoes it');

  await visitorAttachesImage({ auth, admin, rid });

  await queueAndSwitch({ auth, admin, sales, billing });

  begin('an admin adds a trigger; a new visitor\'s widget shows its message after a second');
  await api('POST', 'livechat/triggers', {
    name: 'Greeting', description: '', enabled: true, runOnce: false,
    conditions: [{ name: 'time-on-site', value: 1 }],
    actions: [{ name: 'send-message', params: { sender: 'custom', name: 'Ann', msg: TRIGGER_TEXT } }],
  }, admin);
  await freshVisitorPage();
  await expectVisible(TRIGGER_TEXT, 'a time-on-site trigger from livechat/config');

  // Late console errors (a failed sound or avatar) still count.
  await page.waitForTimeout(1000);
  begin('no errors in the console and no failed requests to our server');
  if (problems.length > 0) {
    throw new Error(`the page reported ${problems.length} problem(s)`);
  }
}

async function diagnose(error) {
  console.error(`\nFAILED at step "${step}": ${error.stack || error}`);
  if (problems.length > 0) {
    console.error('\nproblems:');
    for (const problem of problems) console.error(`  ${problem}`);
  }
  console.error(`\nrequests to ${SERVER}:`);
  for (const line of requests) console.error(`  ${line}`);
  console.error('\nconsole (last 40):');
  for (const line of consoleLines.slice(-40)) console.error(`  ${line}`);
  console.error('\nwebsocket frames (last 40):');
  for (const line of socketFrames.slice(-40)) console.error(`  ${line}`);
  if (page) {
    const text = await page.evaluate(() => document.body?.innerText || '').catch((e) => `(cannot read: ${e})`);
    console.error(`\nthe page shows (${page.url()}):\n${text.slice(0, 2000).replace(/^/gm, '  | ')}`);
  }
}

async function screenshot() {
  if (!page) return;
  try {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, timeout: 5000 });
    log(`screenshot: ${SCREENSHOT}`);
  } catch (error) {
    console.error(`no screenshot: ${error}`);
  }
}

async function cleanUp() {
  await context?.close().catch(() => {});
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
}

let finishing = null;

/**
 * Ends the run once: main's end, the overall deadline and a promise left to reject all come
 * here, and only the first reports, takes the screenshot and closes the browser.
 */
function finish(error) {
  finishing ??= (async () => {
    clearTimeout(deadline);
    if (error) {
      await diagnose(error);
    } else {
      log(`widget test passed; the page's requests to our server:\n  ${requests.join('\n  ')}`);
    }
    await screenshot();
    await cleanUp();
    console.log(error ? '0 passed, 1 failed' : '1 passed, 0 failed');
    process.exit(error ? 1 : 0);
  })();
  return finishing;
}

const deadline = setTimeout(
  () => finish(new Error(`the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`)),
  OVERALL_TIMEOUT_MS,
);
// A promise left to reject would otherwise end node at once, the browser's profile left behind.
process.on('unhandledRejection', (error) => finish(error));

try {
  await main();
  await finish(null);
} catch (error) {
  await finish(error);
}
