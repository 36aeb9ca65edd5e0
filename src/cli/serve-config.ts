// The settings of `cumulus serve` from three places, the first that names one winning: a flag, an
// environment variable (CUMULUS_PORT, …), then the JSON file given by --config. The file is
// untrusted input: read within a size limit, parsed, and checked against a schema that refuses
// unknown keys, so a misspelt setting is an error rather than silently ignored.
import { readFileSync, statSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import { check } from '../core/codec.js';
import { LOG_LEVELS } from '../server/logging.js';

/** A config file is a few hundred bytes; anything past this is not one. */
const MAX_CONFIG_BYTES = 64 * 1024;
const Port = Type.Integer({ minimum: 0, maximum: 65_535 });
const FilePath = Type.String({ minLength: 1, maxLength: 4096 });

export const ServeConfigSchema = Type.Object({
  port: Type.Optional(Port),
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  data: Type.Optional(FilePath),
  s3Port: Type.Optional(Port),
  logLevel: Type.Optional(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)))),
  iceServers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 16 })),
  turnSecretFile: Type.Optional(FilePath),
  turnTtlS: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
  tls: Type.Optional(Type.Object({ cert: FilePath, key: FilePath }, { additionalProperties: false })),
  limits: Type.Optional(Type.Object({
    maxObjectBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    uploadsPerUser: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    uploadIdleMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
    maxStagedBytesPerUser: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export type ServeConfig = Static<typeof ServeConfigSchema>;

/** The environment variable of each setting a flag also takes. */
export const SERVE_ENV = {
  port: 'CUMULUS_PORT', host: 'CUMULUS_HOST', data: 'CUMULUS_DATA', s3Port: 'CUMULUS_S3_PORT', logLevel: 'CUMULUS_LOG_LEVEL',
  iceServer: 'CUMULUS_ICE_SERVERS', tlsCert: 'CUMULUS_TLS_CERT', tlsKey: 'CUMULUS_TLS_KEY', config: 'CUMULUS_CONFIG',
} as const;

export function loadServeConfig(file: string): ServeConfig {
  const size = statSync(file).size;
  if (size > MAX_CONFIG_BYTES) throw new Error(`${file} has ${size} bytes; a config file has at most ${MAX_CONFIG_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  const r = check(ServeConfigSchema, value, file);
  if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
  return r.value;
}

/**
 * A setting's value: the flag's or environment variable's when one was given (Commander records
 * which), else the config file's, else the flag's default.
 */
export function pick<T>(cmd: Command, flag: string, fromFile: T | undefined, parse: (text: string) => T): T | undefined {
  const source = cmd.getOptionValueSource(flag);
  const given = cmd.getOptionValue(flag) as string | undefined;
  if (source === 'cli' || source === 'env') return given === undefined ? undefined : parse(given);
  if (fromFile !== undefined) return fromFile;
  return given === undefined ? undefined : parse(given);
}
