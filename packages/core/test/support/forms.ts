/** Forms for the measures' tests. */

/** Answers of `items` items on 1–5 that add up to `raw` (filled from the first item). */
export const formSumming = (raw: number, items: number): Array<number> => {
  const answers = Array.from({ length: items }, () => 1)
  let left = raw - items
  for (let k = 0; k < items && left > 0; k++) {
    const add = Math.min(4, left)
    answers[k] = 1 + add
    left -= add
  }
  return answers
}
