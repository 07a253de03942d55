/**
 * Expected improvement, computed as log EI so that it stays finite, ordered and
 * differentiable far from the incumbent where EI itself underflows to 0 (Ament et al.,
 * "Unexpected Improvements to Expected Improvement for Bayesian Optimization", 2023).
 *
 * For minimisation with incumbent f*, posterior mean mu and standard deviation sigma:
 *   z = (f* - mu) / sigma,  EI = sigma h(z),  h(z) = phi(z) + z Phi(z).
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

// Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., 6.2.2), ~1e-16 relative accuracy.
const ERFC_COEFFICIENTS = [
  -1.3026537197817094, 6.419697923564902e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
  -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
  -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
  5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
  8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16,
  -2.8e-17,
];

/** The scaled complementary error function erfcx(x) = exp(x^2) erfc(x), for x >= 0. */
export function erfcx(x: number): number {
  const t = 2 / (2 + x);
  const ty = 4 * t - 2;
  let d = 0;
  let dd = 0;
  for (let j = ERFC_COEFFICIENTS.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + ERFC_COEFFICIENTS[j];
    dd = tmp;
  }
  return t * Math.exp(0.5 * (ERFC_COEFFICIENTS[0] + ty * d) - dd);
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  const x = -z * SQRT1_2;
  return x >= 0 ? 0.5 * erfcx(x) * Math.exp(-x * x) : 1 - 0.5 * erfcx(-x) * Math.exp(-x * x);
}

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * log h(z) and d log h / dz = Phi(z) / h(z). For z <= -1 the common factor exp(-z^2/2) is
 * taken out analytically: h(z) = exp(-z^2/2) (1/sqrt(2pi) - (|z|/2) erfcx(|z|/sqrt2)); far in
 * the tail (where that bracket cancels) its asymptotic series 1/(sqrt(2pi) z^2) (1 - 3/z^2).
 */
export function logH(z: number): { value: number; slope: number } {
  if (z > -1) {
    const cdf = normalCdf(z);
    const h = normalPdf(z) + z * cdf;
    return { value: Math.log(h), slope: cdf / h };
  }
  const t = -z;
  if (t < 1e4) {
    const scaledCdf = 0.5 * erfcx(t * SQRT1_2); // Phi(z) exp(z^2/2)
    const bracket = INV_SQRT_2PI - t * scaledCdf;
    if (bracket > 0) return { value: -0.5 * z * z + Math.log(bracket), slope: scaledCdf / bracket };
  }
  const u = 1 / (t * t);
  // h ~ phi(z) / z^2 (1 - 3/z^2); Phi/h ~ |z| (1 - 1/z^2) / (1 - 3/z^2) * ... ~ |z| (1 + 2/z^2)
  return {
    value: -0.5 * z * z - LOG_SQRT_2PI - 2 * Math.log(t) + Math.log1p(-3 * u),
    slope: t * (1 + 2 * u),
  };
}

/**
 * log EI at (mean, variance) against `best` (minimisation), with the derivatives with respect
 * to the mean and the variance for the chain rule.
 */
export function logExpectedImprovement(
  mean: number,
  variance: number,
  best: number,
): { value: number; dMean: number; dVariance: number } {
  const sigma = Math.sqrt(variance);
  const z = (best - mean) / sigma;
  const { value, slope } = logH(z);
  // d logEI / d mu = -slope / sigma; d logEI / d sigma = (1 - z slope) / sigma.
  const dSigma = (1 - z * slope) / sigma;
  return {
    value: value + Math.log(sigma),
    dMean: -slope / sigma,
    dVariance: dSigma / (2 * sigma),
  };
}
