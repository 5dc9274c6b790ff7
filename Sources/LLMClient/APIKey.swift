import Foundation

/// Finds the API key without ever echoing it: an explicit key file, then `LLM_API_KEY`, then the file
/// named by `LLM_API_KEY_FILE` (the usual way to mount a secret). Local servers need none.
public enum APIKey {
    public static func resolve(file: String?, environment: [String: String]) throws -> String? {
        if let file { return try read(file) }
        if let key = environment["LLM_API_KEY"], !key.isEmpty { return key }
        if let file = environment["LLM_API_KEY_FILE"], !file.isEmpty { return try read(file) }
        return nil
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIKeyError(message: "cannot read the API key file \(path): check the path and its permissions")
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw APIKeyError(message: "the API key file \(path) is empty") }
        return key
    }
}

public struct APIKeyError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
