/**
 * Runtime checks for the messages webviews send: small combinators whose static type follows
 * from their definition, so one declaration gives both the TypeScript type a panel handles and
 * the validator the extension runs on every message before trusting it. No vscode, no Node:
 * the webview bundles import this file too.
 */

/** Returns undefined when `value` fits, else what is wrong (naming `path`). */
export interface Check<T> {
  (value: unknown, path: string): string | undefined;
  /** Type carrier only; never set. */
  readonly __type?: T;
}

export type Infer<C> = C extends Check<infer T> ? T : never;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

function check<T>(fn: (value: unknown, path: string) => string | undefined): Check<T> {
  return fn as Check<T>;
}

/** A string of at most `max` characters (default 100,000). */
export function str(max = 100_000): Check<string> {
  return check((value, path) => {
    if (typeof value !== 'string') return `${path} should be a string, not ${describe(value)}`;
    if (value.length > max) return `${path} is longer than ${max} characters`;
    return undefined;
  });
}

/** A finite number, optionally a whole one. */
export function num(
  options: { integer?: boolean; min?: number; max?: number } = {},
): Check<number> {
  return check((value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `${path} should be a finite number, not ${describe(value)}`;
    if (options.integer && !Number.isInteger(value)) return `${path} should be a whole number`;
    if (options.min !== undefined && value < options.min)
      return `${path} should be at least ${options.min}`;
    if (options.max !== undefined && value > options.max)
      return `${path} should be at most ${options.max}`;
    return undefined;
  });
}

export const bool: Check<boolean> = check((value, path) =>
  typeof value === 'boolean'
    ? undefined
    : `${path} should be true or false, not ${describe(value)}`,
);

/** One of the given strings. */
export function oneOf<L extends string>(...values: L[]): Check<L> {
  return check((value, path) =>
    typeof value === 'string' && (values as string[]).includes(value)
      ? undefined
      : `${path} should be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
  );
}

/** The value may be absent (undefined); null is not absent. */
export function optional<T>(inner: Check<T>): Check<T | undefined> {
  return check((value, path) => (value === undefined ? undefined : inner(value, path)));
}

export function array<T>(item: Check<T>, max = 10_000): Check<T[]> {
  return check((value, path) => {
    if (!Array.isArray(value)) return `${path} should be an array, not ${describe(value)}`;
    if (value.length > max) return `${path} has more than ${max} items`;
    for (let i = 0; i < value.length; i++) {
      const problem = item(value[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  });
}

export function record<T>(item: Check<T>, maxKeys = 1000): Check<Record<string, T>> {
  return check((value, path) => {
    if (!isPlainObject(value)) return `${path} should be an object, not ${describe(value)}`;
    const keys = Object.keys(value);
    if (keys.length > maxKeys) return `${path} has more than ${maxKeys} entries`;
    for (const key of keys) {
      const problem = item(value[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  });
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

/** An object with exactly these members (unknown members are a mismatch). */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return check((value, path) => {
    if (!isPlainObject(value)) return `${path} should be an object, not ${describe(value)}`;
    for (const key of Object.keys(value)) {
      if (!(key in shape)) return `${path} has an unexpected member ${JSON.stringify(key)}`;
    }
    for (const [key, member] of Object.entries(shape)) {
      const problem = member(value[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  });
}

/** Any JSON value (plain objects, arrays, strings, finite numbers, booleans, null), depth-limited. */
export function json(maxDepth = 32): Check<unknown> {
  const walk = (value: unknown, path: string, depth: number): string | undefined => {
    if (depth > maxDepth) return `${path} is nested deeper than ${maxDepth} levels`;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
    if (typeof value === 'number')
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = walk(value[i], `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    if (isPlainObject(value)) {
      for (const [key, member] of Object.entries(value)) {
        const problem = walk(member, `${path}.${key}`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    return `${path} is not JSON (${describe(value)})`;
  };
  return check((value, path) => walk(value, path, 0));
}

type MessageShapes = Record<string, Shape>;
/** The union of `{ type: K } & members` over the message kinds. */
export type MessageOf<M extends MessageShapes> = {
  [K in keyof M & string]: { type: K } & ObjectOf<M[K]>;
}[keyof M & string];

/**
 * A discriminated union of messages: `{ type: '<kind>', ...members }`, one shape per kind.
 * The kind is checked first, so a mismatch names the kind's own problem.
 */
export function messages<M extends MessageShapes>(kinds: M): Check<MessageOf<M>> {
  const checks = new Map<string, Check<unknown>>(
    Object.entries(kinds).map(([kind, shape]) => [
      kind,
      object({ type: oneOf(kind), ...shape } as Shape),
    ]),
  );
  return check((value, path) => {
    if (!isPlainObject(value)) return `${path} should be an object, not ${describe(value)}`;
    const kind = value.type;
    if (typeof kind !== 'string') return `${path}.type should be a string`;
    const inner = checks.get(kind);
    if (!inner)
      return `${path}.type ${JSON.stringify(kind).slice(0, 80)} is not a message this panel takes (${[...checks.keys()].join(', ')})`;
    return inner(value, path);
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Runs a check: the value typed, or the problem. */
export function validate<T>(
  checker: Check<T>,
  value: unknown,
  path = 'message',
): { ok: true; value: T } | { ok: false; problem: string } {
  const problem = checker(value, path);
  return problem === undefined ? { ok: true, value: value as T } : { ok: false, problem };
}
