/**
 * One shared, frozen instance per distinct value, for small values that repeat across many
 * objects: a pod's address entry is the same in every policy that allows it, so a cluster's
 * million entries hold a few thousand distinct ones. Instances are held weakly: when nothing else
 * holds one, it is collected and its key forgotten.
 */
export class Interned<T extends object> {
  private readonly instances = new Map<string, WeakRef<T>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (this.instances.get(key)?.deref() === undefined) this.instances.delete(key);
  });

  /** The instance for `key`, made by `make` when there is none yet. */
  of(key: string, make: () => T): T {
    const existing = this.instances.get(key)?.deref();
    if (existing) return existing;
    const instance = Object.freeze(make());
    this.instances.set(key, new WeakRef(instance));
    this.forget.register(instance, key);
    return instance;
  }

  /** Distinct values alive now. */
  get size(): number {
    return this.instances.size;
  }
}
