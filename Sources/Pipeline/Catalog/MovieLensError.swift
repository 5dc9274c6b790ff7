public enum MovieLensError: Error, CustomStringConvertible {
    case missingFile(String)
    case unknownLayout(String)
    case badLine(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "cannot read \(path): point --movielens at an unpacked GroupLens MovieLens folder (ml-100k, ml-1m, ml-10m, ml-20m, ml-25m or ml-latest)"
        case .unknownLayout(let directory):
            return "\(directory) holds none of u.data, ratings.dat, ratings.csv: point --movielens at an unpacked GroupLens MovieLens folder"
        case .badLine(let file, let line, let reason):
            return "\(file) line \(line): \(reason)"
        }
    }
}
