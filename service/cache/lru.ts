/**
 * An in-memory LRU cache bounded by bytes (keys and JSON-serialised values, UTF-8), with a time to live.
 * Every get is a hit or a miss, every set is ok, and the size in bytes follows each change; the
 * measurements go to the telemetry library's recorders (cache.operations, cache.size).
 */
import { recordCacheOperation, recordCacheSize } from "@procode/observability";

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  readonly expiresAt: number;
}

export interface LruCacheOptions {
  readonly name: string;
  readonly maxBytes: number;
  /** 0: entries never expire. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

export class LruCache<V> {
  readonly name: string;
  private readonly entries = new Map<string, Entry<V>>();
  private bytesValue = 0;
  private readonly now: () => number;

  constructor(private readonly options: LruCacheOptions) {
    if (!(options.maxBytes > 0)) throw new RangeError(`cache ${options.name}: maxBytes must be > 0`);
    this.name = options.name;
    this.now = options.now ?? Date.now;
    recordCacheSize({ cache: this.name, bytes: 0 });
  }

  get bytes(): number {
    return this.bytesValue;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && (this.options.ttlMs === 0 || e.expiresAt > this.now())) {
      // Most recently used goes last.
      this.entries.delete(key);
      this.entries.set(key, e);
      recordCacheOperation({ cache: this.name, operation: "get", result: "hit" });
      return e.value;
    }
    if (e !== undefined) this.remove(key, e);
    recordCacheOperation({ cache: this.name, operation: "get", result: "miss" });
    if (e !== undefined) recordCacheSize({ cache: this.name, bytes: this.bytesValue });
    return undefined;
  }

  /** Stores a value; a value larger than the whole cache is not stored (returns false). */
  set(key: string, value: V): boolean {
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value) ?? "");
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    recordCacheOperation({ cache: this.name, operation: "set", result: "ok" });
    if (bytes > this.options.maxBytes) {
      recordCacheSize({ cache: this.name, bytes: this.bytesValue });
      return false;
    }
    while (this.bytesValue + bytes > this.options.maxBytes) {
      const oldest = this.entries.entries().next().value;
      if (oldest === undefined) break;
      this.remove(oldest[0], oldest[1]);
    }
    this.entries.set(key, { value, bytes, expiresAt: this.now() + this.options.ttlMs });
    this.bytesValue += bytes;
    recordCacheSize({ cache: this.name, bytes: this.bytesValue });
    return true;
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (e !== undefined) this.remove(key, e);
    recordCacheOperation({ cache: this.name, operation: "delete", result: "ok" });
    recordCacheSize({ cache: this.name, bytes: this.bytesValue });
    return e !== undefined;
  }

  private remove(key: string, e: Entry<V>): void {
    this.entries.delete(key);
    this.bytesValue -= e.bytes;
  }
}
