/**
 * Small descriptive statistics for the evaluation report: mean, sample
 * standard deviation, quantiles (linear interpolation between order
 * statistics, Hyndman & Fan type 7, the default of R and of spreadsheet
 * QUARTILE.INC) and Student's t quantile.
 *
 * The t quantile inverts the t distribution's CDF, computed through the
 * regularized incomplete beta function (continued fraction, Lentz's method,
 * as in Press et al., Numerical Recipes, §6.4), by bisection to 1e-12. It
 * reproduces published tables (t(0.975; 4) = 2.776445, t(0.975; 29) =
 * 2.045230) to six decimals.
 *
 * @internal
 */

/** The natural logarithm of the gamma function (Lanczos, g = 7, n = 9). */
const lnGamma = (x: number): number => {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  const z = x - 1
  let a = c[0] as number
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

const betaContinuedFraction = (a: number, b: number, x: number): number => {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return h
}

/** The regularized incomplete beta function I_x(a, b). */
const incompleteBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b
}

/** The CDF of Student's t distribution with `df` degrees of freedom. */
export const tCdf = (t: number, df: number): number => {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** The `p` quantile (0 < p < 1) of Student's t distribution with `df` ≥ 1 degrees of freedom. */
export const tQuantile = (p: number, df: number): number => {
  if (p === 0.5) return 0
  if (p < 0.5) return -tQuantile(1 - p, df)
  let lo = 0
  let hi = 1
  while (tCdf(hi, df) < p) hi *= 2
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2
    if (tCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** The arithmetic mean (NaN for no values). */
export const mean = (xs: ReadonlyArray<number>): number => xs.reduce((s, x) => s + x, 0) / xs.length

/** The sample standard deviation (n − 1 in the denominator). */
export const sampleSd = (xs: ReadonlyArray<number>): number => {
  const m = mean(xs)
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1))
}

/** The `p` quantile by linear interpolation between order statistics (type 7). */
export const quantile = (xs: ReadonlyArray<number>, p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const h = (sorted.length - 1) * p
  const lo = Math.floor(h)
  const a = sorted[lo] as number
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number
  return a + (h - lo) * (b - a)
}

/**
 * The mean with its two-sided 95% confidence interval from the t distribution (n ≥ 2). The values are summed in
 * ascending order, so the figures do not depend on the order the referrals were read in (floating-point sums do).
 */
export const meanWithCi95 = (
  values: ReadonlyArray<number>
): { readonly mean: number; readonly low: number; readonly high: number } => {
  const xs = [...values].sort((a, b) => a - b)
  const m = mean(xs)
  const half = (tQuantile(0.975, xs.length - 1) * sampleSd(xs)) / Math.sqrt(xs.length)
  return { mean: m, low: m - half, high: m + half }
}
