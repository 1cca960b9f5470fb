import createDebug from 'debug';

/** Severity of a log record, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const levels: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * Logger of one component, such as `alpy:qemu`.
 *
 * `debug` records go to the `debug` package and show with `DEBUG=alpy:*`.
 * Records at `info` and above are also written to stderr, filtered by the
 * `ALPY_LOG` environment variable (default `info`), so that progress of long
 * steps such as a boot is visible without extra settings.
 */
export interface Logger {
  readonly namespace: string;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

function thresholdFromEnv(): number {
  const value = (process.env.ALPY_LOG ?? 'info').toLowerCase();
  return value in levels ? levels[value as LogLevel] : levels.info;
}

function formatArg(arg: unknown): string {
  if (arg instanceof Error) {
    return arg.stack ?? arg.message;
  }
  return typeof arg === 'string' ? arg : JSON.stringify(arg);
}

function formatArgs(args: unknown[]): string {
  return args.map(formatArg).join(' ');
}

/** Creates the logger of the component `name`, namespaced `alpy:<name>`. */
export function createLogger(name: string): Logger {
  const namespace = `alpy:${name}`;
  const debugLog = createDebug(namespace);

  const write = (level: LogLevel, message: string, args: unknown[]): void => {
    debugLog(`${level}: ${message}`, ...args);
    if (levels[level] < thresholdFromEnv() || debugLog.enabled) {
      return;
    }
    const time = new Date().toISOString().slice(11, 23);
    const extra = args.length > 0 ? ` ${formatArgs(args)}` : '';
    process.stderr.write(`${time} ${namespace} ${level}: ${message}${extra}\n`);
  };

  return {
    namespace,
    debug: (message, ...args) => debugLog(message, ...args),
    info: (message, ...args) => write('info', message, args),
    warn: (message, ...args) => write('warn', message, args),
    error: (message, ...args) => write('error', message, args),
  };
}
