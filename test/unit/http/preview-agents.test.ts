// The preview-agent list: bots are recognised whatever their case; browsers and CLI clients are not.
import { describe, expect, it } from 'vitest';
import { isPreviewAgent } from '../../../src/http/preview-agents.js';

describe('isPreviewAgent', () => {
  it('recognises bots case-insensitively', () => {
    expect(isPreviewAgent('TelegramBot (like TwitterBot)')).toBe(true);
    expect(isPreviewAgent('DISCORDBOT/2.0')).toBe(true);
    expect(isPreviewAgent('Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)')).toBe(true);
  });

  it('does not take browsers, in-app browsers or command-line clients for bots', () => {
    for (const agent of [
      'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0 Mobile Safari/537.36 Instagram 340.0',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/13.1.0.38',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Mattermost/5.8.0 Chrome/126.0 Electron/31.0 Safari/537.36',
      'curl/8.5.0',
      'fpaste/1.0',
    ]) {
      expect(isPreviewAgent(agent), agent).toBe(false);
    }
  });

  it('treats a missing, empty or repeated header as not a bot', () => {
    expect(isPreviewAgent(undefined)).toBe(false);
    expect(isPreviewAgent('')).toBe(false);
    expect(isPreviewAgent(['Slackbot 1.0', 'x'])).toBe(false);
  });
});
