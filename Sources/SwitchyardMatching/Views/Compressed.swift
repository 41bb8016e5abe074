import CZlib

/// Gzip and zlib streams inside a decoded blob (base64 or hex of compressed text), inflated with
/// the system's zlib into a bounded output: a compression bomb costs at most `limit` bytes.
enum Inflate {
    /// Whether `bytes[0..<count]` begins like a gzip member (1F 8B 08) or a zlib stream (CMF 0x78
    /// with a valid header check and no preset dictionary).
    static func isCompressed(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count >= 8 else { return false }
        if bytes[0] == 0x1F && bytes[1] == 0x8B && bytes[2] == 0x08 { return true }
        return bytes[0] == 0x78 && (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0 && bytes[1] & 0x20 == 0
    }

    /// Inflates the gzip or zlib stream `source[0..<count]` into `out[0..<limit]`: the bytes
    /// written and whether `limit` cut the stream short, or nil when the stream is corrupt before
    /// any output. A stream that ends early (truncated input) keeps what it produced. Allocates
    /// zlib's state (about 40 KB), so only blobs that look compressed come here.
    static func inflate(_ source: UnsafePointer<UInt8>, _ count: Int, into out: UnsafeMutablePointer<UInt8>, limit: Int)
        -> (written: Int, truncated: Bool)? {
        guard limit > 0, count > 0, count <= Int(UInt32.max), limit <= Int(UInt32.max) else { return nil }
        var stream = z_stream()
        // 15 + 32: a 32 KiB window, gzip or zlib header detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        // SAFETY: zlib only reads `avail_in` bytes from `next_in` (it takes a mutable pointer for
        // historical reasons and never writes through it) and writes at most `avail_out` bytes.
        stream.next_in = UnsafeMutablePointer(mutating: source)
        stream.avail_in = UInt32(count)
        stream.next_out = out
        stream.avail_out = UInt32(limit)
        let status = CZlib.inflate(&stream, Z_FINISH)
        let written = limit - Int(stream.avail_out)
        switch status {
        case Z_STREAM_END: return (written, false)
        case Z_BUF_ERROR where stream.avail_out == 0: return (written, true)
        default: return written > 0 ? (written, false) : nil
        }
    }
}

/// Gzip compression, for the evasion generator and tests that hide a request in gzip + base64.
package enum Deflate {
    /// `bytes` as one gzip member (default compression level).
    package static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a 32 KiB window with a gzip header and trailer; 8: zlib's default memory level.
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let written = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                // SAFETY: zlib reads `avail_in` bytes of `source` and writes at most `avail_out`
                // bytes of `target`; both buffers outlive the call.
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return 0 }
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(written))
    }
}
