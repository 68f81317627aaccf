/**
 * Stands in for mnemonist/lru-cache in the Lambda bundles only (an esbuild alias in
 * serverless.yml). Its one user there is the endpoint-discovery cache that every DynamoDB client
 * builds (@aws-sdk/endpoint-cache) though irwatch never turns discovery on; mnemonist and its
 * iterator helpers weigh 7 KB in every bundle. A Map keeps insertion order, which is all a
 * least-recently-used cache needs: reading an entry moves it to the end, the first one goes.
 */
export default class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LRUCache capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value without marking it used. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return this;
  }

  clear(): void {
    this.entries.clear();
  }
}
