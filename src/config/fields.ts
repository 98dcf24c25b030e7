// Value types the config schema uses in many places: durations, sizes and http(s) URLs, each with
// the message a user sees when a value is not one.
import { z } from 'zod';
import { parseDurationMs, parseSizeBytes } from './units.js';

export const duration = (def: string) =>
  z
    .union([z.number().int().nonnegative(), z.string()], { error: 'expected a duration such as 500ms, 15s or 10m' })
    .default(def)
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? v : parseDurationMs(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 15s or 10m, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    });

export const size = (def: string) =>
  z
    .union([z.number().int(), z.string()], { error: 'expected a size such as 512kb or 4mb' })
    .default(def)
    .transform((v, ctx) => {
      const bytes = typeof v === 'number' ? v : parseSizeBytes(v);
      if (bytes === undefined || bytes <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a size such as 512kb or 4mb, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return bytes;
    });

export const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL');
