import YAMLLoaders

/// Every YAML loader over the same text: Sigma rules, playbooks, scenarios, answers files, inventories.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    YAMLLoadersFuzz.all(text)
    return 0
}
