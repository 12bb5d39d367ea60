import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from 'react';

/** A dense data table: sticky muted header, hairline rows, tabular figures. */
export function Table({ children, className = '', ...props }: HTMLAttributes<HTMLTableElement>) {
  return (
    <table className={`w-full border-collapse text-left text-[13px] ${className}`} {...props}>
      {children}
    </table>
  );
}

export function Th({ children, className = '', ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={`sticky top-0 z-10 border-b border-line bg-raised px-2.5 py-1.5 text-xs font-semibold text-muted ${className}`}
      {...props}
    >
      {children}
    </th>
  );
}

export function Td({ children, className = '', ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td className={`border-b border-line px-2.5 py-1 align-middle whitespace-nowrap ${className}`} {...props}>
      {children}
    </td>
  );
}
