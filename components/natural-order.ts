/**
 * Compares names as people read them: runs of digits by their value (`ns-2` before `ns-10`), the
 * rest by character. Browsers' collation with `numeric` depends on the ICU data they ship; this
 * does not.
 */
export function naturalCompare(a: string, b: string): number {
  const parts = (text: string) => text.match(/\d+|\D+/g) ?? [];
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i] as string, y[i] as string];
    const numbers = /^\d/.test(p) && /^\d/.test(q);
    const order = numbers ? Number(p) - Number(q) : p < q ? -1 : p > q ? 1 : 0;
    if (order !== 0) return order;
  }
  return x.length - y.length;
}
