/// Hand-vectorised dense kernels for the short vectors (factor rows) in the training loops, where a BLAS call
/// per 64-element vector would cost more in call overhead than the arithmetic.
public enum VectorKernels {
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load(a + i) * load(b + i)
            acc1 += load(a + i + 8) * load(b + i + 8)
            i += 16
        }
        if i + 8 <= count {
            acc0 += load(a + i) * load(b + i)
            i += 8
        }
        var total = (acc0 + acc1).sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// `y += alpha · x`
    @inlinable @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        let scale = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i + 8 <= count {
            store(load(UnsafePointer(y + i)) + scale * load(x + i), y + i)
            i += 8
        }
        while i < count { y[i] += alpha * x[i]; i += 1 }
    }

    /// One BPR step on a (user, positive, negative) triple with gradient weight `z = σ(−x̂_uij)`:
    /// each vector moves along the others' pre-step values, with L2 shrinkage.
    @inlinable @inline(__always)
    public static func pairwiseStep(user: UnsafeMutablePointer<Float>, positive: UnsafeMutablePointer<Float>,
                                    negative: UnsafeMutablePointer<Float>, count: Int,
                                    z: Float, learningRate: Float, regularization: Float) {
        let rate = SIMD8<Float>(repeating: learningRate), reg = SIMD8<Float>(repeating: regularization)
        let gradient = SIMD8<Float>(repeating: z)
        var i = 0
        while i + 8 <= count {
            let u = load(UnsafePointer(user + i)), p = load(UnsafePointer(positive + i)), n = load(UnsafePointer(negative + i))
            store(u + rate * (gradient * (p - n) - reg * u), user + i)
            store(p + rate * (gradient * u - reg * p), positive + i)
            store(n + rate * (-gradient * u - reg * n), negative + i)
            i += 8
        }
        while i < count {
            let u = user[i], p = positive[i], n = negative[i]
            user[i] = u + learningRate * (z * (p - n) - regularization * u)
            positive[i] = p + learningRate * (z * u - regularization * p)
            negative[i] = n + learningRate * (-z * u - regularization * n)
            i += 1
        }
    }

    /// One SGD step of squared-error matrix factorisation for a rating with prediction error `error`:
    /// user and item factors move along each other's pre-step values, with L2 shrinkage.
    @inlinable @inline(__always)
    public static func factorStep(user: UnsafeMutablePointer<Float>, item: UnsafeMutablePointer<Float>, count: Int,
                                  error: Float, learningRate: Float, regularization: Float,
                                  updateUser: Bool = true, updateItem: Bool = true) {
        let rate = SIMD8<Float>(repeating: learningRate), reg = SIMD8<Float>(repeating: regularization)
        let e = SIMD8<Float>(repeating: error)
        var i = 0
        while i + 8 <= count {
            let u = load(UnsafePointer(user + i)), v = load(UnsafePointer(item + i))
            if updateUser { store(u + rate * (e * v - reg * u), user + i) }
            if updateItem { store(v + rate * (e * u - reg * v), item + i) }
            i += 8
        }
        while i < count {
            let u = user[i], v = item[i]
            if updateUser { user[i] = u + learningRate * (error * v - regularization * u) }
            if updateItem { item[i] = v + learningRate * (error * u - regularization * v) }
            i += 1
        }
    }

    @inlinable @inline(__always)
    @usableFromInline static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    @usableFromInline static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
