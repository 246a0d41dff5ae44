import PeregrineModels

/// Solves `A x = b` for a symmetric positive-definite `A` (n × n, row-major) by Cholesky
/// (Golub & Van Loan, Matrix Computations, 4th ed., §4.2). Nil when `A` is not positive
/// definite (to working precision).
func solveSymmetricPositiveDefinite(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var sum = a[i * n + j]
            for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
            if i == j {
                guard sum > 1e-300 * max(1, abs(a[i * n + i])) else { return nil }
                l[i * n + i] = sum.squareRoot()
            } else {
                l[i * n + j] = sum / l[j * n + j]
            }
        }
    }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var sum = b[i]
        for k in 0..<i { sum -= l[i * n + k] * y[k] }
        y[i] = sum / l[i * n + i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var sum = y[i]
        for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
        x[i] = sum / l[i * n + i]
    }
    return x
}

/// Ridge regression, the objective of scikit-learn's `Ridge(alpha, fit_intercept=True)`:
/// minimize ‖y − Xw − b‖² + alpha‖w‖² with the intercept unpenalized. Solved exactly: centre
/// X and y, solve (XcᵀXc + alpha·I) w = Xcᵀyc, then b = ȳ − x̄·w.
public enum RidgeTrainer {
    public static func fit(_ data: TrainingSet, alpha: Double) throws -> LinearParameters {
        let n = data.count, p = data.featureCount
        guard n > 0 else { throw TrainingError(.badData, "no rows", context: "fitting ridge") }
        var mean = [Double](repeating: 0, count: p)
        var yMean = 0.0
        for i in 0..<n {
            for j in 0..<p { mean[j] += data.features[i * p + j] }
            yMean += data.labels[i]
        }
        for j in 0..<p { mean[j] /= Double(n) }
        yMean /= Double(n)
        var gram = [Double](repeating: 0, count: p * p)
        var rhs = [Double](repeating: 0, count: p)
        var centred = [Double](repeating: 0, count: p)
        for i in 0..<n {
            for j in 0..<p { centred[j] = data.features[i * p + j] - mean[j] }
            let y = data.labels[i] - yMean
            for j in 0..<p {
                rhs[j] += centred[j] * y
                for k in 0...j { gram[j * p + k] += centred[j] * centred[k] }
            }
        }
        for j in 0..<p {
            gram[j * p + j] += alpha
            for k in 0..<j { gram[k * p + j] = gram[j * p + k] }
        }
        guard let w = solveSymmetricPositiveDefinite(gram, rhs, n: p) else {
            throw TrainingError(.singular, "XᵀX + alpha·I is singular", context: "fitting ridge with alpha \(alpha); raise --alpha or drop constant/duplicate features")
        }
        var b = yMean
        for j in 0..<p { b -= mean[j] * w[j] }
        return LinearParameters(weights: w, intercept: b)
    }
}

/// Binary L2 logistic regression, the objective of scikit-learn's
/// `LogisticRegression(C, penalty="l2", fit_intercept=True)`: minimize
/// ½‖w‖² + C Σ [log(1 + e^{zᵢ}) − yᵢ zᵢ], zᵢ = xᵢ·w + b, intercept unpenalized, labels 0/1.
/// Solved by Newton's method with step halving (the objective is strictly convex), to a
/// gradient far below scikit-learn's default tolerance, so coefficients agree with a tightly
/// converged lbfgs fit.
public enum LogisticTrainer {
    public static func fit(_ data: TrainingSet, c: Double, maxIterations: Int = 100) throws -> LinearParameters {
        let n = data.count, p = data.featureCount, m = p + 1   // m: weights then the intercept
        guard n > 0 else { throw TrainingError(.badData, "no rows", context: "fitting logistic regression") }
        guard data.labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw TrainingError(.badData, "labels must be 0 or 1", context: "fitting logistic regression")
        }
        var theta = [Double](repeating: 0, count: m)
        func objective(_ t: [Double]) -> Double {
            var loss = 0.0
            for j in 0..<p { loss += 0.5 * t[j] * t[j] }
            for i in 0..<n {
                var z = t[p]
                for j in 0..<p { z += data.features[i * p + j] * t[j] }
                // log(1 + e^z) − y z, stable for large |z|
                loss += c * ((z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - data.labels[i] * z)
            }
            return loss
        }
        var current = objective(theta)
        for _ in 0..<maxIterations {
            var gradient = [Double](repeating: 0, count: m)
            var hessian = [Double](repeating: 0, count: m * m)
            for j in 0..<p { gradient[j] = theta[j]; hessian[j * m + j] = 1 }
            var x = [Double](repeating: 1, count: m)
            for i in 0..<n {
                var z = theta[p]
                for j in 0..<p { x[j] = data.features[i * p + j]; z += x[j] * theta[j] }
                let probability = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
                let residual = c * (probability - data.labels[i])
                let weight = c * probability * (1 - probability)
                for j in 0..<m {
                    gradient[j] += residual * x[j]
                    for k in 0...j { hessian[j * m + k] += weight * x[j] * x[k] }
                }
            }
            for j in 0..<m { for k in 0..<j { hessian[k * m + j] = hessian[j * m + k] } }
            let gradientNorm = gradient.map(abs).max() ?? 0
            if gradientNorm < 1e-12 * max(1, c * Double(n)) { break }
            guard let step = solveSymmetricPositiveDefinite(hessian, gradient, n: m) else {
                throw TrainingError(.singular, "the Hessian is singular", context: "fitting logistic regression with C \(c)")
            }
            var scale = 1.0
            var next = theta
            var value = current
            repeat {
                for j in 0..<m { next[j] = theta[j] - scale * step[j] }
                value = objective(next)
                scale /= 2
            } while value > current && scale > 1e-10
            let moved = zip(next, theta).map { abs($0 - $1) }.max() ?? 0
            theta = next
            current = value
            if moved < 1e-14 * max(1, theta.map(abs).max() ?? 0) { break }
        }
        return LinearParameters(weights: Array(theta[0..<p]), intercept: theta[p])
    }
}
#if canImport(Glibc)
import Glibc
#endif
