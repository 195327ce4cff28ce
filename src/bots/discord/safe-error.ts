/**
 * Errors as loggable fields with no secret in them (README.md, Failures). A DiscordAPIError's `url`
 * (and an HTTPError's) carries the interaction token (`/interactions/:id/:token/callback`,
 * `/webhooks/:appId/:token`), and its `requestBody` the user's content: keep neither.
 * @example
 * log.warn({ err: safeError(error) }, 'reply not sent');
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';

const INTERACTION_PATH = /(\/(?:interactions|webhooks)\/\d+\/)[^/?\s"']+/g;
/** `"token":"…"` in JSON, also escaped inside a JSON string (an inbox or outbox payload quoted in a database error). */
const TOKEN_FIELD = /(\\*"token\\*"\s*:\s*\\*")[^"\\]+/g;

/** A string with every interaction/webhook token blanked: in Discord API paths and in payload JSON. */
export function redactTokens(text: string): string {
  return text.replace(INTERACTION_PATH, '$1[token]').replace(TOKEN_FIELD, '$1[token]');
}

/** An error as loggable fields: name, code, status, method and the url with the token blanked; never the body. */
export function safeError(error: unknown): Record<string, unknown> {
  if (error instanceof DiscordAPIError || error instanceof HTTPError) {
    return {
      type: error.name,
      message: redactTokens(error.message),
      status: error.status,
      method: error.method,
      url: redactTokens(error.url),
      ...(error instanceof DiscordAPIError ? { code: error.code } : {}),
    };
  }
  if (error instanceof RateLimitError) {
    return { type: error.name, route: redactTokens(error.route), global: error.global, retryAfter: error.retryAfter };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: redactTokens(error.message),
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      ...(error.stack ? { stack: redactTokens(error.stack) } : {}),
    };
  }
  return { type: typeof error, message: redactTokens(String(error)) };
}

/** Discord's error code, when the error is a Discord API answer. */
export function discordCode(error: unknown): number | string | null {
  return error instanceof DiscordAPIError ? error.code : null;
}
