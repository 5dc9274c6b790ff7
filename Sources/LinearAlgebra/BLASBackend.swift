import CBLAS

/// Which BLAS the numeric code runs on, for benchmark output.
public enum BLASBackend {
    public static var description: String {
        guard let config = openblas_get_config() else { return "OpenBLAS" }
        return "OpenBLAS \(String(cString: config)), \(openblas_get_num_threads()) threads"
    }

    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
}
