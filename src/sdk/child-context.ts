/**
 * `contextWithSpan(parent, span)`: what `trace.setSpan(parent, span)` returns, for the two places that make a
 * context per span (the HTTP server middleware and `startActiveSpan`). The API's BaseContext copies its
 * parent's whole `Map` and makes three closures for every value set; a span per request made that about 0.4 us
 * (bench/results/overhead.md). A ChildContext holds one key and value and reads through to its parent.
 *
 * Behaviour is the Context interface's, exactly: `getValue` finds the newest value of a key, `setValue` and
 * `deleteValue` return new contexts and leave this one unchanged. Chains are bounded: past MAX_DEPTH nodes the
 * values are copied onto the first context that is not a ChildContext (a BaseContext, as before), so a lookup
 * never walks more than MAX_DEPTH nodes, however many values are set in a row.
 */
import type { Context, Span } from "@opentelemetry/api";

/** The key the API stores the active span under (`createContextKey` is `Symbol.for` of this description). */
export const SPAN_KEY: symbol = Symbol.for("OpenTelemetry Context Key SPAN");

const MAX_DEPTH = 16;

export class ChildContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
    private readonly depth: number,
  ) {}

  getValue(key: symbol): unknown {
    let c: Context = this;
    while (c instanceof ChildContext) {
      if (c.key === key) return c.value;
      c = c.parent;
    }
    return c.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (this.depth < MAX_DEPTH) return new ChildContext(this, key, value, this.depth + 1);
    return this.flatten().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    const parent = this.parent.deleteValue(key);
    if (key === this.key) return parent;
    return parent instanceof ChildContext
      ? parent.setValue(this.key, this.value)
      : new ChildContext(parent, this.key, this.value, 1);
  }

  /** The same values on the first non-ChildContext below this one, set oldest first. */
  private flatten(): Context {
    const nodes: ChildContext[] = [];
    let c: Context = this;
    while (c instanceof ChildContext) {
      nodes.push(c);
      c = c.parent;
    }
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i] as ChildContext;
      c = c.setValue(n.key, n.value);
    }
    return c;
  }
}

/** `trace.setSpan(parent, span)` without copying the parent. */
export function contextWithSpan(parent: Context, span: Span): Context {
  return parent instanceof ChildContext
    ? parent.setValue(SPAN_KEY, span)
    : new ChildContext(parent, SPAN_KEY, span, 1);
}
