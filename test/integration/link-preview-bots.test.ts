// Link-preview bots (chat apps unfurling a pasted link) must never spend the one read of a
// burn-after-read share: each agent gets a neutral notice without the content, and the person the
// link was sent to can still read it afterwards. Browsers are people, not bots: they read (and burn).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { RunningServer } from '../helpers/server.js';
import { createPaste, uploadFile } from '../helpers/http.js';
import { expectError } from '../helpers/assertions.js';

// Real User-Agent strings as these services send them.
const PREVIEW_AGENTS = [
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Slackbot 1.0 (+https://api.slack.com/robots)',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'TelegramBot (like TwitterBot)',
  'WhatsApp/2.23.20.0 A',
  'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  'Twitterbot/1.0',
  'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com',
  // iMessage's previewer presents itself as Safari plus these tokens.
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
  'Mattermost-Bot/1.1',
  'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko; Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/)) Chrome/56.0.2924.87 Safari/537.36',
];

const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];

const BURN = { 'X-Burn-After-Read': '1' };
const SECRET = 'the one-time secret 4711';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function expectNotice(url: string, agent: string): Promise<void> {
  const response = await fetch(url, { headers: { 'User-Agent': agent } });
  expect(response.status, agent).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  // No content headers either: nothing about the content leaks to the bot.
  expect(response.headers.get('content-disposition')).toBeNull();
  expect(response.headers.get('x-content-sha256')).toBeNull();
  const text = await response.text();
  expect(text).toMatch(/burn-after-read/);
  expect(text).not.toContain(SECRET);
}

describe('link-preview bots never burn', () => {
  it.each(PREVIEW_AGENTS)('%s: GET /{id}/raw of a burn paste gets a notice; the person still reads it once', async (agent) => {
    const created = await createPaste(server.url, SECRET, BURN);
    await expectNotice(created.raw, agent);
    await expectNotice(created.raw, agent);
    const person = await fetch(created.raw);
    expect(person.status).toBe(200);
    expect(await person.text()).toBe(SECRET);
    await expectError(await fetch(created.raw), 404, 'NOT_FOUND');
  });

  it.each(PREVIEW_AGENTS)('%s: GET /download/{key} of a burn file share gets a notice; the person still downloads it once', async (agent) => {
    const file = await uploadFile(server.url, SECRET, 'secret.txt', BURN);
    await expectNotice(file.download_url as string, agent);
    const person = await fetch(file.download_url as string);
    expect(person.status).toBe(200);
    expect(await person.text()).toBe(SECRET);
    await expectError(await fetch(file.download_url as string), 404, 'NOT_FOUND');
  });

  it('a preview agent reads a share that is not burn-after-read normally (only burning is avoided)', async () => {
    const created = await createPaste(server.url, SECRET);
    const response = await fetch(created.raw, { headers: { 'User-Agent': PREVIEW_AGENTS[0] as string } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SECRET);
  });

  it.each(BROWSERS)('a browser is a person, not a bot (%s): it reads and burns', async (agent) => {
    const created = await createPaste(server.url, SECRET, BURN);
    const response = await fetch(created.raw, { headers: { 'User-Agent': agent } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SECRET);
    await expectError(await fetch(created.raw), 404, 'NOT_FOUND');
  });
});
