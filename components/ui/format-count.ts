const COUNT = new Intl.NumberFormat('en');

/** A count as every page writes it: `10,000`. */
export function formatCount(value: number): string {
  return COUNT.format(value);
}
