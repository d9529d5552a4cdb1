/**
 * Validation of configuration records: each field has a rule that says what it allows, so every error names
 * the field, the value and what is allowed, and a misspelt field is refused instead of silently ignored.
 *
 * @example
 * ```ts
 * import { checkFields, POSITIVE, POSITIVE_INT } from "./src/models/fields.ts";
 * checkFields("run", { epochs: 3, lr: 1e-3 }, { epochs: POSITIVE_INT, lr: POSITIVE });
 * // checkFields("run", { epochs: 0 }, ...) throws: config: run.epochs must be a positive integer, got 0
 * ```
 * @module
 */

/** What one field allows: a phrase for error messages and the test itself. */
export interface FieldRule {
  /** Completes "must be ...", e.g. "a positive integer". */
  readonly allowed: string;
  /** Whether `value` (never undefined) is allowed. */
  check(value: unknown): boolean;
}

/** One rule for every field of T (optional fields included). */
export type FieldRules<T> = { readonly [K in keyof T]-?: FieldRule };

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A finite number > 0. */
export const POSITIVE: FieldRule = { allowed: "a positive number", check: (v) => isNumber(v) && v > 0 };
/** A finite number >= 0. */
export const NON_NEGATIVE: FieldRule = { allowed: "a number >= 0", check: (v) => isNumber(v) && v >= 0 };
/** An integer >= 1. */
export const POSITIVE_INT: FieldRule = {
  allowed: "a positive integer",
  check: (v) => Number.isInteger(v) && (v as number) >= 1,
};
/** An integer >= 0. */
export const NON_NEGATIVE_INT: FieldRule = {
  allowed: "an integer >= 0",
  check: (v) => Number.isInteger(v) && (v as number) >= 0,
};
/** A number in [0, 1). */
export const FRACTION: FieldRule = {
  allowed: "a number in [0, 1)",
  check: (v) => isNumber(v) && v >= 0 && v < 1,
};
/** A number in [0, 1]. */
export const PROBABILITY: FieldRule = {
  allowed: "a number in [0, 1]",
  check: (v) => isNumber(v) && v >= 0 && v <= 1,
};
/** true or false. */
export const BOOLEAN: FieldRule = { allowed: "true or false", check: (v) => typeof v === "boolean" };
/** Any string. */
export const STRING: FieldRule = { allowed: "a string", check: (v) => typeof v === "string" };
/** A non-empty array of finite numbers >= 0. */
export const WEIGHTS: FieldRule = {
  allowed: "a non-empty array of numbers >= 0",
  check: (v) => Array.isArray(v) && v.length > 0 && v.every((x) => isNumber(x) && x >= 0),
};

/** One of the listed values. */
export function oneOf(values: readonly unknown[]): FieldRule {
  return {
    allowed: `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`,
    check: (v) => values.includes(v),
  };
}

/** An array whose every entry passes `entry`. */
export function arrayOf(entry: FieldRule): FieldRule {
  return {
    allowed: `an array of ${entry.allowed.replace(/^(a|an) /, "")}s`,
    check: (v) => Array.isArray(v) && v.every((x) => entry.check(x)),
  };
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.join(", ")}]` : String(v);
}

/**
 * Throws on the first field of `record` that breaks its rule or has no rule, naming `where.field`, the value
 * and what is allowed. Undefined values are skipped (they mean "not given").
 */
export function checkFields<T>(where: string, record: Partial<T>, rules: FieldRules<T>): void {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new Error(`config: ${where} must be an object, got ${show(record)}`);
  }
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const rule = (rules as Record<string, FieldRule>)[key];
    if (!rule) {
      throw new Error(
        `config: ${where}.${key} is not a setting here (known: ${Object.keys(rules).join(", ")})`,
      );
    }
    if (!rule.check(value)) {
      throw new Error(`config: ${where}.${key} must be ${rule.allowed}, got ${show(value)}`);
    }
  }
}
