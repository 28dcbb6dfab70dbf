// Structured JSON logging behind a small interface, one line per event; the sink is
// injected so Node writes to stdout and the Worker to its console.

import type { Clock } from "./clock.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Errors become {name, message}: stacks stay out of logs that may leave the machine. */
function serialise(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createJsonLogger(options: { level: LogLevel; clock: Clock; write: (line: string) => void }): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  // A busy router writes many lines per millisecond (an access-log line per request): each
  // millisecond's timestamp is formatted once.
  let lastMs = Number.NaN;
  let lastTime = "";
  const time = (): string => {
    const ms = options.clock.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastTime = new Date(ms).toISOString();
    }
    return lastTime;
  };
  const log = (level: LogLevel) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return (): void => undefined;
    return (message: string, fields: LogFields = {}): void => {
      const entry: Record<string, unknown> = { time: time(), level, message };
      for (const key of Object.keys(fields)) entry[key] = serialise(fields[key]);
      options.write(JSON.stringify(entry));
    };
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** For tests and embedders that do not want output. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
