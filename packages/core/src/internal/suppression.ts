/**
 * The small-cell minimum the reports apply (the evaluation report, its
 * community section, the link workers' survey).
 *
 * @internal
 */

/**
 * The minimum in force for an asked one: never under 5 (domain
 * specification §7, §9), and 5 for one that is not a number (`NaN`, e.g. an
 * unset setting read with `Number`), which would otherwise make every
 * `n < minimum` false and show every cell.
 */
export const minimumCellOf = (asked: number | undefined): number => Math.max(5, asked || 5)
