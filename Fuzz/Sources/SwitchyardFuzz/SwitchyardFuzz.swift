// libFuzzer entry points. libFuzzer supplies `main`; $FUZZ_TARGET names the target to run.
import Foundation
import FuzzEntryPoints

nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(64)
    }
    selected = target
    FuzzEntryPoints.prepare()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = selected else { return 0 }
    do {
        try FuzzEntryPoints.run(target, UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        // A broken invariant is a crash to libFuzzer: it keeps the input.
        FileHandle.standardError.write(Data("invariant broken (\(target.rawValue)): \(error.description)\n".utf8))
        abort()
    }
    return 0
}
