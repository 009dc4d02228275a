// Link-preview bots: chat apps and social sites fetch every URL pasted into a message to build a
// card. Served the content of a burn-after-read share, such a fetch spends its one read, and the
// person the link was meant for gets 404. These agents get a neutral notice instead (see
// BURN_NOTICE in content-reply.ts). One list, so every burning route asks the same question.
//
// Only agents that announce themselves can be recognised. Tokens are chosen so that no browser
// or in-app browser UA carries one (hence no "snapchat", "instagram", "line/"). A bot that lies about its
// User-Agent is indistinguishable from a person and still burns: the contract's answer to that is
// the non-burning `url` and the click-to-reveal web page.
const PREVIEW_AGENT_TOKENS = [
  'slackbot', // Slackbot-LinkExpanding, Slackbot 1.0
  'slack-imgproxy',
  'facebookexternalhit', // Facebook, Messenger, Instagram; also in the iMessage and LINE previewers
  'facebot',
  'meta-externalagent',
  'telegrambot',
  'whatsapp',
  'discordbot',
  'twitterbot',
  'linkedinbot',
  'skypeuripreview', // Skype and Microsoft Teams
  'microsoftpreview',
  'teamsbot',
  'applebot', // iMessage / Spotlight link previews
  'mattermost-bot', // not bare "mattermost": its desktop app's own UA carries that
  'google-pagerenderer',
  'googlebot',
  'google-inspectiontool',
  'bingbot',
  'bingpreview',
  'redditbot',
  'pinterestbot',
  'embedly',
  'iframely',
  'vkshare',
  'line-poker',
  'zoombot',
  'keybasebot',
  'mastodon', // every Mastodon server fetches a posted link for its card
  'pleroma',
  'misskey',
  'cardyb', // Bluesky's card fetcher
  'outlook-ios-linkpreview',
  'yahoolinkpreview',
  'nextcloud-server', // Nextcloud Talk's reference preview
] as const;

/**
 * True for a User-Agent of a known link-preview or crawler bot (case-insensitive substring).
 * @example isPreviewAgent('TelegramBot (like TwitterBot)') === true
 * @example isPreviewAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0') === false
 */
export function isPreviewAgent(userAgent: string | string[] | undefined): boolean {
  if (typeof userAgent !== 'string' || userAgent === '') return false;
  const lowered = userAgent.toLowerCase();
  return PREVIEW_AGENT_TOKENS.some((token) => lowered.includes(token));
}
